import { createEngineClient } from '../worker/client';

/** The one engine worker of this page. */
export const engine = createEngineClient();
