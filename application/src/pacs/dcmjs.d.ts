/** The small part of dcmjs (no bundled types) that the PACS code uses. */
declare module 'dcmjs' {
  interface DicomDictJson {
    meta: Record<string, unknown>;
    dict: Record<string, unknown>;
    write(options?: Record<string, unknown>): ArrayBuffer;
  }
  export const data: {
    DicomMessage: {
      readFile(buffer: ArrayBuffer, options?: { readonly untilTag?: string; readonly includeUntilTagValue?: boolean }): DicomDictJson;
    };
    DicomDict: new (meta: Record<string, unknown>) => DicomDictJson;
    DicomMetaDictionary: {
      naturalizeDataset(dataset: Record<string, unknown>): Record<string, unknown>;
      denaturalizeDataset(dataset: Record<string, unknown>): Record<string, unknown>;
    };
  };
}
