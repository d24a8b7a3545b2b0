export * from './imageSet';
export * from './builtinDataset';
export * from './splits';
export * from './batches';
