export { checkTree } from './checkTree.js';
export type {
  CheckTreeOptions,
  TreeCheckReport,
  TreeProperty,
  TreePropertyResult,
  WorkerFigures,
} from './checkTree.js';
