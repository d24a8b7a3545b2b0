import { Tokenizer } from '@huggingface/tokenizers';

const END_OF_TEXT = '<|endoftext|>';

/**
 * CLIP's byte-level BPE, read from the checkpoint's tokenizer.json by @huggingface/tokenizers (the
 * pure-JS tokenizer of transformers.js, which works in Node and in workers).
 */
export class ClipTokenizer {
  private readonly tokenizer: Tokenizer;
  /** Id of <|endoftext|>, where the text tower pools. */
  readonly eosId: number;

  constructor(
    tokenizerJson: unknown,
    /** The text tower's positions: longer texts are cut, keeping their end-of-text token. */
    readonly maxLength: number,
    tokenizerConfig: Record<string, unknown> = {},
  ) {
    const json = tokenizerJson as { model?: { type?: string; vocab?: Record<string, number> } } | null;
    if (!json || typeof json !== 'object' || json.model?.type !== 'BPE' || typeof json.model.vocab !== 'object') {
      throw new Error('tokenizer.json is not a BPE tokenizer (CLIP checkpoints carry a byte-level BPE tokenizer.json).');
    }
    const eos = json.model.vocab[END_OF_TEXT];
    if (typeof eos !== 'number') throw new Error(`tokenizer.json has no ${END_OF_TEXT} token: it is not CLIP's tokenizer.`);
    this.eosId = eos;
    this.tokenizer = new Tokenizer(tokenizerJson as object, tokenizerConfig);
  }

  /** Ids of one text, <|startoftext|> … <|endoftext|>, at most maxLength of them. */
  encode(text: string): number[] {
    const ids = this.tokenizer.encode(text).ids;
    if (ids[ids.length - 1] !== this.eosId) throw new Error(`the tokenizer did not end "${text}" with ${END_OF_TEXT}`);
    return ids.length <= this.maxLength ? ids : [...ids.slice(0, this.maxLength - 1), this.eosId];
  }
}
