import { pagesDeps } from '../composition/root.js';
import { createPagesHandler } from './app.js';

/** Lambda entry point of the hosted pages on AWS (`/`, `/pages/…`, `/enduser/`, `/console`): ADR 23. */
export const handler = createPagesHandler(pagesDeps(process.env));
