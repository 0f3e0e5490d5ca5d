/**
 * A small `oc process` for the tests: substitutes a Template's parameters into its objects, as
 * OpenShift's template processor does, and returns the objects it would create.
 *
 * - Each parameter takes the value given, else its `value`, else one generated from `from` when
 *   `generate: expression`; a `required` parameter still empty is an error, and so is a value given
 *   for a parameter the template does not have (as `oc process` without --ignore-unknown-parameters).
 * - In every string of the objects, `${NAME}` is replaced by the value; a string that is exactly
 *   `${{NAME}}` is replaced by the value parsed as JSON (a number, a boolean, an object), or by the
 *   string when it is not JSON. `${UNKNOWN}` is left as it is. Map keys are not substituted.
 * - The template's `labels` are added to every object's metadata.labels (a different value for a
 *   label the object has is an error).
 * - Expressions: literal characters, `[...]` classes with ranges (`a-z`) and `\w \d \a \A` inside or
 *   outside them, each optionally followed by `{N}`; `\w` is [a-zA-Z0-9_], `\d` [0-9], `\a` letters
 *   and `\A` punctuation, as in OpenShift's expression generator.
 */
import { randomInt } from 'node:crypto';

interface Parameter {
  name: string;
  value?: string;
  generate?: string;
  from?: string;
  required?: boolean;
}

interface TemplateLike {
  kind: string;
  parameters?: Parameter[];
  labels?: Record<string, string>;
  objects: unknown[];
}

export interface Processed {
  values: Record<string, string>;
  objects: Array<Record<string, unknown>>;
}

const LOWER = 'abcdefghijklmnopqrstuvwxyz';
const UPPER = LOWER.toUpperCase();
const DIGITS = '0123456789';
const PUNCTUATION = '~!@#$%^&*()-_+={}[]\\|<,>.?/"\';:`';
const ESCAPES: Record<string, string> = { w: LOWER + UPPER + DIGITS + '_', d: DIGITS, a: LOWER + UPPER, A: PUNCTUATION };

/** Parses an expression into a list of character sets, one per generated character. */
export function parseExpression(expression: string): string[] {
  const sets: string[] = [];
  let i = 0;
  const escape = (c: string | undefined): string => {
    if (c === undefined) throw new Error(`expression ${expression}: ends with a backslash`);
    return ESCAPES[c] ?? c;
  };
  while (i < expression.length) {
    let set: string;
    const c = expression[i]!;
    if (c === '[') {
      const end = expression.indexOf(']', i + 1);
      if (end < 0) throw new Error(`expression ${expression}: unclosed [`);
      const body = expression.slice(i + 1, end);
      set = '';
      for (let j = 0; j < body.length; j++) {
        if (body[j] === '\\') {
          set += escape(body[++j]);
        } else if (body[j + 1] === '-' && j + 2 < body.length) {
          const from = body.charCodeAt(j);
          const to = body.charCodeAt(j + 2);
          if (to < from) throw new Error(`expression ${expression}: bad range ${body.slice(j, j + 3)}`);
          for (let code = from; code <= to; code++) set += String.fromCharCode(code);
          j += 2;
        } else {
          set += body[j];
        }
      }
      if (set === '') throw new Error(`expression ${expression}: empty class`);
      i = end + 1;
    } else if (c === '\\') {
      set = escape(expression[i + 1]);
      i += 2;
    } else {
      set = c;
      i += 1;
    }
    let count = 1;
    const quantifier = /^\{(\d+)\}/.exec(expression.slice(i));
    if (quantifier) {
      count = Number(quantifier[1]);
      if (count < 1 || count > 255) throw new Error(`expression ${expression}: count ${count} out of range`);
      i += quantifier[0].length;
    }
    for (let k = 0; k < count; k++) sets.push(set);
  }
  return sets;
}

export function generate(expression: string, pick: (n: number) => number = randomInt): string {
  return parseExpression(expression)
    .map((set) => set[pick(set.length)])
    .join('');
}

const NAME = '[a-zA-Z0-9_]+';

function substitute(value: unknown, values: Record<string, string>): unknown {
  if (typeof value === 'string') {
    const whole = new RegExp(`^\\$\\{\\{(${NAME})\\}\\}$`).exec(value);
    if (whole && whole[1]! in values) {
      const text = values[whole[1]!]!;
      try {
        return JSON.parse(text) as unknown;
      } catch {
        return text;
      }
    }
    return value
      .replace(new RegExp(`\\$\\{\\{(${NAME})\\}\\}`, 'g'), (m, name: string) => (name in values ? values[name]! : m))
      .replace(new RegExp(`\\$\\{(${NAME})\\}`, 'g'), (m, name: string) => (name in values ? values[name]! : m));
  }
  if (Array.isArray(value)) return value.map((item) => substitute(item, values));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, substitute(item, values)]));
  }
  return value;
}

export function processTemplate(template: TemplateLike, given: Record<string, string> = {}, pick?: (n: number) => number): Processed {
  if (template.kind !== 'Template') throw new Error(`not a Template: ${template.kind}`);
  const parameters = template.parameters ?? [];
  for (const name of Object.keys(given)) {
    if (!parameters.some((p) => p.name === name)) throw new Error(`unknown parameter name "${name}"`);
  }
  const values: Record<string, string> = {};
  for (const parameter of parameters) {
    let value = given[parameter.name] ?? parameter.value ?? '';
    if (value === '' && parameter.generate !== undefined) {
      if (parameter.generate !== 'expression') throw new Error(`parameter ${parameter.name}: unknown generator ${parameter.generate}`);
      value = generate(parameter.from ?? '', pick);
    }
    if (value === '' && parameter.required) throw new Error(`parameter ${parameter.name} is required and must be specified`);
    values[parameter.name] = value;
  }
  const objects = template.objects.map((object) => {
    const result = substitute(object, values) as Record<string, unknown>;
    if (template.labels) {
      const labels = substitute(template.labels, values) as Record<string, string>;
      const metadata = (result.metadata ??= {}) as { labels?: Record<string, string> };
      metadata.labels ??= {};
      for (const [key, label] of Object.entries(labels)) {
        if (key in metadata.labels && metadata.labels[key] !== label) throw new Error(`label ${key} has another value in ${String(result.kind)}`);
        metadata.labels[key] = label;
      }
    }
    return result;
  });
  return { values, objects };
}
