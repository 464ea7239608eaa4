import { notebook } from './notebook.js';

/** The desk's writer (`agent: ./agents/writer.ts` in desk.yaml: the module's default export). */
export default notebook('writer');
