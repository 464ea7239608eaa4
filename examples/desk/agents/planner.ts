import { notebook } from './notebook.js';

/** The desk's planner (`agent: ./agents/planner.ts` in desk.yaml: the module's default export). */
export default notebook('planner');
