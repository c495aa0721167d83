/** What every package of the project shares; nothing here knows about Fabric, DICOM or the ledger. */
export { CodedError } from './coded-error';
export { writeFileAtomic } from './files';
export { fetchAnswer, sendRequest, type HttpAnswer, type HttpRequestOptions } from './http';
export { processAlive } from './process';
export { Slots } from './slots';
