import { useApp } from '../../store';
import { Checkbox, NumberField } from '../fields';
import { explainSplit } from '../splitText';

export function DataFields() {
  const data = useApp((s) => s.data);
  const setData = useApp((s) => s.setData);
  const baseline = useApp((s) => s.baseline);
  const setBaseline = useApp((s) => s.setBaseline);
  const dataset = useApp((s) => s.dataset);
  // What these counts give on the selected dataset (a small one has fewer images than asked).
  const use = dataset
    ? explainSplit({ ...data, classes: dataset.classes, countsByClass: dataset.countsByClass, testCount: dataset.testCount }).run
    : null;
  return (
    <>
      <div className="row">
        <NumberField
          label="Training images"
          value={data.trainImages}
          min={2}
          max={100000}
          step={10}
          onChange={(trainImages) => setData({ trainImages })}
        />
        <NumberField
          label="Validation images"
          value={data.valImages}
          min={2}
          max={20000}
          step={10}
          onChange={(valImages) => setData({ valImages })}
        />
        <NumberField
          label="Test images"
          value={data.testImages}
          min={0}
          max={20000}
          step={10}
          onChange={(testImages) => setData({ testImages })}
        />
      </div>
      {dataset && use && (
        <p className="hint" data-testid="data-use">
          On “{dataset.name}”: {use.charAt(0).toLowerCase() + use.slice(1)}
        </p>
      )}
      <NumberField
        label="Use 1/r of the training pool (r)"
        hint="Data scalability: every class keeps the same share of its images before the training images are drawn."
        value={data.fraction}
        min={1}
        max={1000}
        onChange={(fraction) => setData({ fraction })}
      />
      <Checkbox checked={baseline} onChange={setBaseline}>
        Compare with linear probing (a linear classifier on the frozen features, same images)
      </Checkbox>
      <small className="hint">
        Images are drawn per class with the seed; validation comes out of the training pool and test from the dataset’s
        test split, touched once after training.
      </small>
    </>
  );
}
