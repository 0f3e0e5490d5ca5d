/**
 * A strict field checker for the tests: a shape declares the fields an object may have and their
 * types, and every field it does not declare is an error (a misspelt key is found, as kubectl's
 * strict field validation finds it). `openshift-schema.ts` declares the OpenShift kinds with it, and
 * `z2jh-chart.ts` the free-form parts of the JupyterHub values, which the chart's schema lets through.
 */

export type Shape =
  | { type: 'string'; enum?: readonly string[]; pattern?: RegExp }
  | { type: 'integer'; minimum?: number }
  | { type: 'boolean' }
  | { type: 'intOrString' }
  | { type: 'object'; fields: Record<string, Shape>; required?: readonly string[] }
  | { type: 'map'; values: Shape }
  | { type: 'array'; items: Shape }
  | { type: 'external'; check: (value: unknown) => string[] };

export const string = (options: { enum?: readonly string[]; pattern?: RegExp } = {}): Shape => ({ type: 'string', ...options });
export const integer = (minimum?: number): Shape => ({ type: 'integer', ...(minimum !== undefined ? { minimum } : {}) });
export const boolean: Shape = { type: 'boolean' };
export const object = (fields: Record<string, Shape>, required: readonly string[] = []): Shape => ({ type: 'object', fields, required });
export const map = (values: Shape): Shape => ({ type: 'map', values });
export const array = (items: Shape): Shape => ({ type: 'array', items });

function check(shape: Shape, value: unknown, path: string, errors: string[]): void {
  const fail = (why: string): void => void errors.push(`${path || '(top)'}: ${why}`);
  switch (shape.type) {
    case 'string':
      if (typeof value !== 'string') return fail(`must be a string, not ${JSON.stringify(value)}`);
      if (shape.enum && !shape.enum.includes(value))
        return fail(`${JSON.stringify(value)} is not one of ${shape.enum.map((e) => JSON.stringify(e)).join(', ')}`);
      if (shape.pattern && !shape.pattern.test(value)) return fail(`${JSON.stringify(value)} does not match ${String(shape.pattern)}`);
      return;
    case 'integer':
      if (!Number.isInteger(value)) return fail(`must be an integer, not ${JSON.stringify(value)}`);
      if (shape.minimum !== undefined && (value as number) < shape.minimum) return fail(`must be at least ${shape.minimum}`);
      return;
    case 'boolean':
      if (typeof value !== 'boolean') return fail(`must be a boolean, not ${JSON.stringify(value)}`);
      return;
    case 'intOrString':
      if (typeof value !== 'string' && !Number.isInteger(value)) return fail(`must be an integer or a string, not ${JSON.stringify(value)}`);
      return;
    case 'array':
      if (!Array.isArray(value)) return fail('must be an array');
      value.forEach((item, index) => check(shape.items, item, `${path}[${index}]`, errors));
      return;
    case 'map':
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail('must be an object');
      for (const [key, item] of Object.entries(value)) check(shape.values, item, `${path}.${key}`, errors);
      return;
    case 'object': {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return fail('must be an object');
      const record = value as Record<string, unknown>;
      for (const key of shape.required ?? []) if (record[key] === undefined) errors.push(`${path ? `${path}.` : ''}${key}: required`);
      for (const [key, item] of Object.entries(record)) {
        const field = shape.fields[key];
        if (!field) errors.push(`${path ? `${path}.` : ''}${key}: unknown field`);
        else check(field, item, path ? `${path}.${key}` : key, errors);
      }
      return;
    }
    case 'external':
      for (const message of shape.check(value)) fail(message);
  }
}

/** Errors in a value of the shape ([] when valid), each `path: why`. */
export function shapeErrors(shape: Shape, value: unknown): string[] {
  const errors: string[] = [];
  check(shape, value, '', errors);
  return errors;
}

/** Any value (its type left to another check, such as kubernetes-models'). */
export const anything: Shape = { type: 'external', check: () => [] };
