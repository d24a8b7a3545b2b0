/**
 * The twelve tasks of AutoVP's benchmark and the accuracies published for them, so that
 * `autovp benchmark` can print ours beside theirs. Every number is copied from the papers as
 * ../shared/AUTOVP.md and ../shared/METHODS.md quote them; none is invented (BLM's and LoR-VP's
 * tables were not reachable, so they have none here).
 */

export interface PaperTask {
  id: string;
  name: string;
  /** Folder names that mean this task (compared without case, spaces, dashes or underscores). */
  aliases: readonly string[];
}

export const PAPER_TASKS: readonly PaperTask[] = [
  { id: 'svhn', name: 'SVHN', aliases: [] },
  { id: 'cifar10', name: 'CIFAR10', aliases: ['cifar-10'] },
  { id: 'flowers102', name: 'Flowers102', aliases: ['oxford-flowers102', 'flowers'] },
  { id: 'food101', name: 'Food101', aliases: ['food'] },
  { id: 'ucf101', name: 'UCF101', aliases: [] },
  { id: 'oxfordiiitpet', name: 'OxfordIIITPet', aliases: ['oxford-pets', 'oxfordpets', 'pets'] },
  { id: 'cifar100', name: 'CIFAR100', aliases: ['cifar-100'] },
  { id: 'eurosat', name: 'EuroSAT', aliases: [] },
  { id: 'dtd', name: 'DTD', aliases: [] },
  { id: 'isic', name: 'ISIC', aliases: ['melanoma'] },
  { id: 'fmow', name: 'FMoW', aliases: [] },
  { id: 'gtsrb', name: 'GTSRB', aliases: [] },
];

/** One published test accuracy (%), with its spread over seeds when the paper gives one. */
export interface PublishedResult {
  /** The column it is shown in. */
  method: 'AutoVP' | 'ILM-VP' | 'SMM';
  accuracy: number;
  spread?: number;
}

/** The frozen source model of every published number here. */
export const PUBLISHED_MODEL = 'ResNet-18 (ImageNet-1k)';
export const PUBLISHED_METHODS = ['AutoVP', 'ILM-VP', 'SMM'] as const;
export const PUBLISHED_SOURCES: Record<(typeof PUBLISHED_METHODS)[number], string> = {
  AutoVP: 'AutoVP (Tsao et al., ICLR 2024), its best design per task',
  'ILM-VP': 'ILM-VP (Chen et al., CVPR 2023), padding prompt, as AutoVP reports it',
  SMM: 'SMM (Cai et al., ICML 2024), Table 1, mean ± std',
};

const norm = (name: string): string => name.toLowerCase().replace(/[\s_-]+/g, '');

/** The paper task a folder name stands for, if any. */
export function paperTaskOf(folderName: string): PaperTask | undefined {
  const n = norm(folderName);
  return PAPER_TASKS.find((t) => norm(t.id) === n || norm(t.name) === n || t.aliases.some((a) => norm(a) === n));
}

const AUTOVP: Record<string, number> = {
  eurosat: 93.0,
  cifar10: 87.8,
  flowers102: 85.4,
  svhn: 83.7,
  oxfordiiitpet: 82.7,
  gtsrb: 81.5,
  isic: 67.4,
  cifar100: 63.7,
  ucf101: 55.9,
  dtd: 54.8,
  food101: 54.1,
  fmow: 30.2,
};
const ILM_VP: Record<string, number> = {
  eurosat: 85.2,
  cifar10: 65.5,
  flowers102: 27.9,
  svhn: 75.2,
  oxfordiiitpet: 65.4,
  gtsrb: 52.0,
  isic: 57.5,
  cifar100: 24.8,
  ucf101: 23.9,
  dtd: 35.3,
  food101: 14.8,
  fmow: 14.8,
};
const SMM: Record<string, [number, number]> = {
  cifar10: [72.8, 0.7],
  cifar100: [39.4, 0.6],
  svhn: [84.4, 2.0],
  gtsrb: [80.4, 1.2],
  flowers102: [38.7, 0.7],
  dtd: [33.6, 0.4],
  ucf101: [28.7, 0.8],
  food101: [17.5, 0.1],
  eurosat: [92.2, 0.2],
  oxfordiiitpet: [74.1, 0.4],
};

/** What the papers report for a task (ResNet-18 source model), in column order. */
export function publishedFor(taskId: string): PublishedResult[] {
  const out: PublishedResult[] = [];
  const autovp = AUTOVP[taskId];
  if (autovp !== undefined) out.push({ method: 'AutoVP', accuracy: autovp });
  const ilm = ILM_VP[taskId];
  if (ilm !== undefined) out.push({ method: 'ILM-VP', accuracy: ilm });
  const smm = SMM[taskId];
  if (smm) out.push({ method: 'SMM', accuracy: smm[0], spread: smm[1] });
  return out;
}
