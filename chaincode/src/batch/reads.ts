import type { ChaincodeStub } from 'fabric-shim-api';

/**
 * The transaction's stub as one statement of a batch sees it: every key it reads is noted in `reads`.
 * Range reads are refused: a submit must not depend on one (state.ts), and a batch could not tell
 * which of its own writes such a read missed.
 */
export function recordingStub(stub: ChaincodeStub, reads: Set<string>): ChaincodeStub {
  const getState = (key: string): Promise<Uint8Array> => {
    reads.add(key);
    return stub.getState(key);
  };
  const rangeRead = (): never => {
    throw new Error('a statement of a batch made a range read; its conflicts with the batch cannot be known');
  };
  const overrides: Partial<Record<keyof ChaincodeStub, unknown>> = {
    getState,
    getStateByRange: rangeRead,
    getStateByRangeWithPagination: rangeRead,
    getStateByPartialCompositeKey: rangeRead,
    getStateByPartialCompositeKeyWithPagination: rangeRead,
    getQueryResult: rangeRead,
    getQueryResultWithPagination: rangeRead,
  };
  return new Proxy(stub, {
    get(target, property, receiver): unknown {
      if (typeof property === 'string' && Object.hasOwn(overrides, property)) {
        return overrides[property as keyof ChaincodeStub];
      }
      const value: unknown = Reflect.get(target, property, receiver);
      // The stub's methods use its own fields: call them on the stub, not on the proxy.
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}
