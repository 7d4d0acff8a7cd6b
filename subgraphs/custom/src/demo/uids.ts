import type { Random } from './random.js';

/**
 * DICOM UIDs for the synthetic data, under the `2.25` arc: the decimal form of a UUID
 * (ITU-T X.667), which needs no registered organisation root. The UUID is a version-4
 * (random) one whose bits come from the seeded generator, so the same seed gives the same
 * UIDs. `2.25.` plus at most 39 digits stays under DICOM's 64-character limit.
 */
export const DEMO_UID_ROOT = '2.25';

const UID_PATTERN = /^(0|[1-9][0-9]*)(\.(0|[1-9][0-9]*))+$/;

export function demoUid(random: Random): string {
  const w0 = random.uint32();
  const w1 = ((random.uint32() & 0xffff0fff) | 0x00004000) >>> 0; // version 4
  const w2 = ((random.uint32() & 0x3fffffff) | 0x80000000) >>> 0; // RFC 4122 variant
  const w3 = random.uint32();
  const value = (BigInt(w0) << 96n) | (BigInt(w1) << 64n) | (BigInt(w2) << 32n) | BigInt(w3);
  return `${DEMO_UID_ROOT}.${value.toString()}`;
}

/** DICOM UID syntax (PS3.5 9.1): digit components without leading zeros, at most 64 characters. */
export function isValidDicomUid(uid: string): boolean {
  return uid.length <= 64 && UID_PATTERN.test(uid);
}
