import test from 'ava'
import {
  amtPasswordProblems,
  DEFAULT_PASSWORD_LENGTH,
  DIGITS,
  generateAmtPassword,
  GENERATED_SPECIALS,
  GENERATOR_ALPHABET,
  isValidAmtPassword,
  LOWER,
  UPPER,
} from '../../../manager/secrets/passwords.ts'

const CLASSES = { upper: UPPER, lower: LOWER, digit: DIGITS, special: GENERATED_SPECIALS }
const SAMPLES = 10_000

test('the alphabet: 26 + 26 + 10 + the documented specials, no duplicates, none that AMT forbids or XML escapes', (t) => {
  t.is(GENERATED_SPECIALS, '!#$%*@^', 'each one of the specials RPS requires in a profile password')
  t.is(new Set(GENERATOR_ALPHABET).size, GENERATOR_ALPHABET.length)
  t.is(GENERATOR_ALPHABET.length, 26 + 26 + 10 + GENERATED_SPECIALS.length)
  for (const forbidden of ['"', ',', ':', '&', '<', '>', "'", ' ', '\\', '`'])
    t.false(GENERATOR_ALPHABET.includes(forbidden), forbidden)
})

test(`${SAMPLES} generated passwords: right length, every class present, only alphabet characters, AMT-valid`, (t) => {
  for (let i = 0; i < SAMPLES; i++) {
    const length = 8 + (i % 25)
    const password = generateAmtPassword(length)
    if (password.length !== length) t.fail(`length ${password.length} != ${length}`)
    for (const [name, chars] of Object.entries(CLASSES))
      if (![...password].some((c) => chars.includes(c))) t.fail(`no ${name} in a password`)
    if (![...password].every((c) => GENERATOR_ALPHABET.includes(c))) t.fail('a character outside the alphabet')
    if (!isValidAmtPassword(password)) t.fail('not AMT-valid')
  }
  t.is(generateAmtPassword().length, DEFAULT_PASSWORD_LENGTH)
  t.pass()
})

test(`distribution sanity over ${SAMPLES} passwords: characters of a class equally frequent, no repeats`, (t) => {
  const counts = new Map<string, number>()
  const seen = new Set<string>()
  for (let i = 0; i < SAMPLES; i++) {
    const password = generateAmtPassword(16)
    seen.add(password)
    for (const c of password) counts.set(c, (counts.get(c) ?? 0) + 1)
  }
  t.is(seen.size, SAMPLES, 'no two passwords alike')
  t.is(counts.size, GENERATOR_ALPHABET.length, 'every character occurs')
  // Rejection of passwords missing a class favours the small classes a little, but within a class the
  // characters are exchangeable: each must be within 15% of its class mean (expected ~2000 per character,
  // a standard deviation of ~45, so 15% is ~7 sigma: this never fails by chance, but catches a modulo bias).
  for (const [name, chars] of Object.entries(CLASSES)) {
    const values = [...chars].map((c) => counts.get(c) ?? 0)
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length
    for (const [index, value] of values.entries())
      t.true(Math.abs(value - mean) < mean * 0.15, `${name} ${chars[index]}: ${value} vs mean ${mean}`)
  }
  const total = [...counts.values()].reduce((sum, value) => sum + value, 0)
  t.is(total, SAMPLES * 16)
})

test('selection goes through the injected CSPRNG pick (crypto.randomInt by default) and rejects incomplete draws', (t) => {
  const asked: number[] = []
  // A pick that first yields "aaaaaaaa" (no upper, digit, special: rejected), then a valid sequence.
  const script = [...'aaaaaaaaAb1!cdef'].map((c) => GENERATOR_ALPHABET.indexOf(c))
  const pick = (max: number) => {
    asked.push(max)
    return script.shift() ?? 0
  }
  t.is(generateAmtPassword(8, pick), 'Ab1!cdef')
  t.true(asked.every((max) => max === GENERATOR_ALPHABET.length))
  t.is(asked.length, 16)
})

test('lengths outside 8-32 are refused', (t) => {
  for (const length of [0, 7, 33, 8.5, Number.NaN])
    t.throws(() => generateAmtPassword(length), { instanceOf: RangeError })
})

test('configured passwords are checked against the AMT rules without echoing them', (t) => {
  t.deepEqual(amtPasswordProblems('Str0ng!Passw0rd'), [])
  t.deepEqual(amtPasswordProblems('short1!A'), [])
  t.deepEqual(amtPasswordProblems('Sh0rt!'), ['must have 8-32 characters'])
  t.deepEqual(amtPasswordProblems('alllowercase1!'), ['needs an upper-case letter'])
  t.deepEqual(amtPasswordProblems('NoDigitsHere!'), ['needs a digit'])
  t.deepEqual(amtPasswordProblems('NoSpecials123'), ['needs a special character'])
  t.deepEqual(amtPasswordProblems('Bad:Colon123'), ['must not contain " , or :'])
  t.deepEqual(amtPasswordProblems('Ünicode!123aB'), ['must be printable 7-bit ASCII'])
  for (const problem of amtPasswordProblems('secretvalue')) t.false(problem.includes('secretvalue'))
})
