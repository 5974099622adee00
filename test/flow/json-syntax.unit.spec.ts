import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { findJsonSyntaxError } from '../../engine/flow/json-syntax.ts';

describe('findJsonSyntaxError', () => {
  test('given any JSON value, when serialized (compact or indented), then no error is found', () => {
    fc.assert(
      fc.property(fc.json(), fc.boolean(), (text, indent) => {
        const formatted = indent ? JSON.stringify(JSON.parse(text), null, 2) : text;
        expect(findJsonSyntaxError(formatted)).toBeUndefined();
      }),
    );
  });

  test('given arbitrary text, when scanned, then it reports an error exactly when JSON.parse rejects it', () => {
    const pieces = fc.constantFrom(
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      '"a"',
      '1',
      '-2.5e3',
      'true',
      'null',
      ' ',
      '\n',
      '"',
      'x',
    );
    fc.assert(
      fc.property(fc.array(pieces, { maxLength: 12 }), (parts) => {
        const text = parts.join('');
        let parses = true;
        try {
          JSON.parse(text);
        } catch {
          parses = false;
        }
        expect(findJsonSyntaxError(text) === undefined).toBe(parses);
      }),
      { numRuns: 2000 },
    );
  });

  test.each([
    ['{"a": 1,}', 'expected a property name in double quotes, found "}"', 1, 9],
    ['{\n  "start": "A"\n  "steps": {}\n}', 'expected "," or "}" after a property, found "\\""', 3, 3],
    ['[1, 2', 'expected "," or "]" after an array item, found the end of the text', 1, 6],
    ["{'a': 1}", 'expected a property name in double quotes, found "\'"', 1, 2],
  ])('given %j, when scanned, then it says what was expected, at line %i column %i', (text, message, line, column) => {
    expect(findJsonSyntaxError(text)).toMatchObject({ message, line, column });
  });

  test('given absurdly deep nesting, when scanned, then a clear error instead of a stack overflow', () => {
    expect(findJsonSyntaxError('['.repeat(100_000))?.message).toBe(
      'expected at most 256 levels of nesting, found "["',
    );
  });
});
