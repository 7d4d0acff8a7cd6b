import type { Sex } from '@cancer-imaging/schema';
import type { Random } from './random.js';

/**
 * Fake patient names in DICOM PN form (FAMILY^GIVEN). A home-grown repository keeps them
 * in its index, so the demo does too: they exist to prove the adapter never returns them.
 * The "SYNTH" family names make any leak easy to spot in a response or a log.
 */
const FAMILY = [
  'SYNTHDOE', 'SYNTHROE', 'SYNTHJANSEN', 'SYNTHGARCIA', 'SYNTHROSSI', 'SYNTHMULLER', 'SYNTHDUBOIS',
  'SYNTHNOWAK', 'SYNTHSILVA', 'SYNTHPAPADOPOULOS', 'SYNTHNIELSEN', 'SYNTHKOVAC', 'SYNTHHORVAT', 'SYNTHLEHTONEN',
] as const;
const GIVEN_FEMALE = ['JANE', 'ANNA', 'MARIA', 'SOFIA', 'ELENA', 'LUCIA', 'EMMA', 'INES', 'GIULIA', 'FRIEDA'] as const;
const GIVEN_MALE = ['JOHN', 'JAN', 'JOSE', 'MARCO', 'LUKAS', 'PIETER', 'NIKOS', 'TOMAS', 'MATTEO', 'ANDREJ'] as const;
const GIVEN_OTHER = ['ALEX', 'ROBIN', 'SASHA', 'KIM', 'NOA'] as const;

export function fakePatientName(random: Random, sex: Sex): string {
  const given = sex === 'FEMALE' ? GIVEN_FEMALE : sex === 'MALE' ? GIVEN_MALE : GIVEN_OTHER;
  return `${random.pick(FAMILY)}^${random.pick(given)}`;
}
