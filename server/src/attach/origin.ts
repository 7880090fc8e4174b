// Kept for attach/'s imports: the one description of a config origin lives in resolve/.
export { describeOrigin } from "../resolve/index.js";
