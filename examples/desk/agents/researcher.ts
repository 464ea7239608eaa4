import { notebook } from './notebook.js';

/** The desk's researcher (`agent: ./agents/researcher.ts` in desk.yaml: the module's default export). */
export default notebook('researcher');
