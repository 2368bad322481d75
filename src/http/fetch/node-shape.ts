// Gives a light class the outward shape of Node's own Request or Response:
// its name and length, a prototype that inherits from Node's (so `instanceof`
// Node's class, the toStringTag and util.inspect all hold), enumerable members
// as Web IDL makes them, every member the light class does not answer itself
// handed to the real object, and `instanceof` true for Node's instances too.
// Called once per class by light-request.ts and light-response.ts, in workers.

import * as workerThreads from 'node:worker_threads';

type AnyClass = abstract new (...args: never[]) => object;

const markAsUncloneable = (workerThreads as { markAsUncloneable?: (value: object) => void }).markAsUncloneable;

/**
 * Where Node marks its Request and Response uncloneable (22.10+), structuredClone
 * throws DataCloneError for them; a light object is marked the same way. On
 * older Node both clone to `{}`.
 */
export const uncloneable: (value: object) => void = markAsUncloneable ?? (() => {});

/**
 * `realOf(object)` returns Node's object that answers for a light one
 * (building it when needed). Members of Node's prototype that the light
 * prototype lacks are forwarded to it, so a member a newer Node adds works at once.
 */
export function shapeLike(light: AnyClass, node: AnyClass, realOf: (object: object) => object): void {
  const lightProto = light.prototype as object;
  const nodeProto = node.prototype as object;
  Object.setPrototypeOf(lightProto, nodeProto);
  for (const key of Object.getOwnPropertyNames(nodeProto)) {
    if (key === 'constructor' || Object.hasOwn(lightProto, key)) continue;
    const desc = Object.getOwnPropertyDescriptor(nodeProto, key)!;
    if (typeof desc.value === 'function') {
      const method = desc.value as (...args: unknown[]) => unknown;
      Object.defineProperty(lightProto, key, { ...desc, value: { [key](this: object, ...args: unknown[]) { return method.apply(realOf(this), args); } }[key] });
    } else if (desc.get) {
      const get = desc.get;
      Object.defineProperty(lightProto, key, { ...desc, get: { [key](this: object) { return get.call(realOf(this)); } }[key] });
    } else {
      // A plain value on Node's prototype (Node 20's Request has `attribute`) is shown as it is.
      Object.defineProperty(lightProto, key, { ...desc, configurable: true });
    }
  }
  // Web IDL members are enumerable; class members are not. Node's shapes for-in and Object.entries of the prototype.
  for (const key of Object.getOwnPropertyNames(lightProto)) {
    if (key === 'constructor' || !Object.hasOwn(nodeProto, key)) continue;
    Object.defineProperty(lightProto, key, { enumerable: Object.getOwnPropertyDescriptor(nodeProto, key)!.enumerable });
  }
  // Re-added in Node's order, so for-in lists the members as Node's does; members Node lacks are dropped.
  const own = new Map(Object.getOwnPropertyNames(lightProto).map((key) => [key, Object.getOwnPropertyDescriptor(lightProto, key)!]));
  for (const key of own.keys()) if (key !== 'constructor') delete (lightProto as Record<string, unknown>)[key];
  for (const key of Object.getOwnPropertyNames(nodeProto)) {
    if (key === 'constructor' || !own.has(key)) continue;
    const desc = own.get(key)!;
    const plain = 'value' in desc && typeof desc.value !== 'function';
    Object.defineProperty(lightProto, key, plain ? Object.getOwnPropertyDescriptor(nodeProto, key)! : desc);
  }
  // Helpers the light file took off the class first; Node's class has no such statics.
  for (const key of Object.getOwnPropertyNames(light)) {
    if (!Object.hasOwn(node, key)) delete (light as unknown as Record<string, unknown>)[key];
  }
  Object.defineProperty(light, 'name', { value: node.name });
  Object.defineProperty(light, 'length', { value: node.length });
  // A subclass (class X extends Response) inherits this static: it keeps the ordinary prototype test for X.
  const ordinary = Function.prototype[Symbol.hasInstance];
  Object.defineProperty(light, Symbol.hasInstance, {
    value: function (this: AnyClass, value: unknown): boolean {
      return this === light ? value instanceof node : ordinary.call(this, value);
    },
  });
}
