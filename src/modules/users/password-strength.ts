import { AppError } from '../../platform/http/errors.js';
import { PASSWORD_MIN_LENGTH } from './passwords.js';

// A password must resist guessing, not just be long: zxcvbn estimates how many guesses an attacker
// who knows common passwords, words, keyboard patterns and the user's own email would need.
// Score 3 is "safely unguessable: moderate protection from offline slow-hash scenarios".
const MIN_SCORE = 3;

type Zxcvbn = (password: string, userInputs: string[]) => { score: number; feedback: { warning: string | null } };
let estimator: Promise<Zxcvbn> | undefined;

/** Loaded on first use: the dictionaries are large and most commands never need them. */
function loadEstimator(): Promise<Zxcvbn> {
  estimator ??= (async () => {
    const [core, common] = await Promise.all([import('@zxcvbn-ts/core'), import('@zxcvbn-ts/language-common')]);
    core.zxcvbnOptions.setOptions({ dictionary: { ...common.dictionary }, graphs: common.adjacencyGraphs });
    return (password, userInputs) => core.zxcvbn(password, userInputs);
  })();
  return estimator;
}

// zxcvbn-ts answers translation keys; these are the words for them.
const WARNINGS: Record<string, string> = {
  straightRow: 'it is a row of keys',
  keyPattern: 'it is a keyboard pattern',
  simpleRepeat: 'it repeats characters',
  extendedRepeat: 'it repeats a pattern',
  sequences: 'it is a sequence like abc or 1234',
  recentYears: 'it contains a recent year',
  dates: 'it contains a date',
  topTen: 'it is one of the most used passwords',
  topHundred: 'it is a very common password',
  common: 'it is a common password',
  similarToCommon: 'it is close to a common password',
  wordByItself: 'it is a single word',
  namesByThemselves: 'it is a name',
  commonNames: 'it is a common name',
  userInputs: 'it contains your email address',
  pwned: 'it appeared in a data breach',
};

/** Throws a 400 naming `param` when the password is too short or too easy to guess. */
export async function assertStrongPassword(password: string, userInputs: string[], param = 'password'): Promise<void> {
  if (password.length < PASSWORD_MIN_LENGTH) throw new AppError('invalid_request', `The password needs at least ${PASSWORD_MIN_LENGTH} characters.`, param);
  const zxcvbn = await loadEstimator();
  // The email and its parts (name, domain) count as known words.
  const inputs = userInputs.flatMap((input) => [input, ...input.split(/[@.+_-]/)]).filter((word) => word.length > 2);
  const result = zxcvbn(password, inputs);
  if (result.score >= MIN_SCORE) return;
  const why = (result.feedback.warning && WARNINGS[result.feedback.warning]) || 'it follows a predictable pattern';
  throw new AppError(
    'invalid_request',
    `This password is too easy to guess: ${why}. Use a passphrase of four or more unrelated words, or a password manager.`,
    param,
  );
}
