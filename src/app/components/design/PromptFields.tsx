import { DesignField } from './DesignField';

export function PromptFields() {
  return (
    <>
      <DesignField param="prompt" />
      <DesignField param="patchSize" />
      <DesignField param="promptActivation" />
    </>
  );
}
