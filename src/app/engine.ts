import { createEngineClient } from '../client/engineClient';

/** The one engine worker of this page. */
export const engine = createEngineClient();
