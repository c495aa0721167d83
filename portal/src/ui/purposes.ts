/** HL7 v3 PurposeOfUse codes the protocol accepts (docs/protocol.md §3), in plain words. */
export const PURPOSES: readonly (readonly [string, string])[] = [
  ['TREAT', 'treatment'],
  ['ETREAT', 'emergency treatment'],
  ['COC', 'coordination of care'],
  ['PATRQT', 'at my request'],
  ['FAMRQT', "at my family's request"],
  ['PWATRNY', 'for my power of attorney'],
  ['HPAYMT', 'payment'],
  ['HOPERAT', 'healthcare operations'],
  ['HRESCH', 'research'],
  ['CLINTRL', 'a clinical trial'],
  ['PUBHLTH', 'public health'],
  ['HLEGAL', 'legal'],
];

export const DENY_REASONS: readonly (readonly [string, string])[] = [
  ['NOT_RECOGNISED', 'I do not recognise this requester'],
  ['PURPOSE_REFUSED', 'I refuse this purpose'],
  ['NOT_NEEDED', 'not needed'],
  ['OTHER', 'another reason'],
];

export const purposeWords = (code: string | undefined): string => PURPOSES.find(([c]) => c === code)?.[1] ?? code ?? 'no stated purpose';
