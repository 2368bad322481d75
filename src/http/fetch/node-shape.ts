// Gives a light class the outward shape of Node's own Request or Response:
// its name and length, a prototype that inherits from Node's (so `instanceof`
// Node's class, the toStringTag and util.inspect all hold), enumerable members
// as Web IDL makes them, every member the light class does not answer itself
// handed to the real object, and `instanceof` true for Node's instances too.
// Called once per class by light-request.ts and light-response.ts, in workers,
// when Node's class is first needed (shapeLater): reading Node's Request or
// Response loads Node's undici (10-18 MB), which a light app may never need.

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

/** `fn`'s value, computed on the first call. */
export function once<T>(fn: () => T): () => T {
  let done = false;
  let value: T;
  return () => {
    if (!done) {
      value = fn();
      done = true;
    }
    return value;
  };
}

/** Node's global class, read on the first call; capture() notes the global's slot before an install replaces it. */
export interface NodeGlobal<T> {
  (): T;
  capture(): void;
}

/**
 * Node's own global `name` (Request, Response) as it was before any install.
 * Node 20 defines these as getters that load undici and then replace
 * themselves with the class: the getter is kept and called on first need
 * (the light class put back after it). Node 24 makes them lazy data
 * properties, which load undici when their descriptor is read or redefined
 * at all, so there the install itself loads it.
 */
export function nodeGlobal<T>(name: 'Request' | 'Response'): NodeGlobal<T> {
  let original: PropertyDescriptor | undefined | null = null;
  const capture = () => {
    if (original === null) original = Object.getOwnPropertyDescriptor(globalThis, name);
  };
  const resolve = once(() => {
    capture();
    if (!original?.get) return original?.value as T;
    const now = Object.getOwnPropertyDescriptor(globalThis, name);
    const value = original.get.call(globalThis) as T;
    if (now && now.get !== original.get) Object.defineProperty(globalThis, name, now);
    return value;
  });
  return Object.assign(resolve, { capture });
}

/** Stands for the class `resolve()` returns (construct, statics, instanceof), resolving it on first use. */
export function lazyClass<T extends AnyClass>(resolve: () => T): T {
  const proxy: T = new Proxy(function () {} as unknown as T, {
    construct: (_target, args, newTarget) => Reflect.construct(resolve(), args, newTarget === proxy ? resolve() : newTarget) as object,
    get: (_target, key) => Reflect.get(resolve(), key) as unknown,
    has: (_target, key) => Reflect.has(resolve(), key),
  });
  return proxy;
}

/** What Node's own prototypes hold besides the members (both classes). */
export const NODE_PROTO_EXTRAS: readonly PropertyKey[] = ['constructor', Symbol.toStringTag, Symbol.for('nodejs.util.inspect.custom')];

export interface ShapeNames {
  /** Node's class name and constructor length (Request 1, Response 0). */
  readonly name: string;
  readonly length: number;
  /** The statics Node's class has: the light class's other statics are removed at once. */
  readonly statics: readonly string[];
  /** Light members not every supported Node may have: shown once Node's class says. */
  readonly optional: readonly string[];
  /** The members of Node's prototype (the same on Node 20 and 24); one a newer Node adds is there once shaped. */
  readonly members: readonly PropertyKey[];
}

/**
 * shapeLike() deferred until Node's class is first needed: by the app (a
 * member only Node's prototype has, inspect, toStringTag) or by the light
 * class itself. Until then the light prototype inherits from a stand-in whose
 * accessors, one per member of Node's prototype (`names.members`), shape on
 * first touch and answer as Node's prototype would. An ordinary object, not a
 * proxy: a miss (`then`, probed on every Response an async handler returns)
 * stays as fast as on Node's prototype. Returns the function that shapes now.
 */
export function shapeLater(light: AnyClass, node: () => AnyClass, realOf: (object: object) => object, names: ShapeNames): () => void {
  const lightProto = light.prototype as object;
  const stashed = new Map<string, PropertyDescriptor>();
  for (const key of names.optional) {
    stashed.set(key, Object.getOwnPropertyDescriptor(lightProto, key)!);
    delete (lightProto as Record<string, unknown>)[key];
  }
  const keep = new Set(['length', 'name', 'prototype', ...names.statics]);
  for (const key of Object.getOwnPropertyNames(light)) if (!keep.has(key)) delete (light as unknown as Record<string, unknown>)[key];
  Object.defineProperty(light, 'name', { value: names.name });
  Object.defineProperty(light, 'length', { value: names.length });
  let shaped = false;
  const shape = () => {
    if (shaped) return;
    shaped = true;
    for (const [key, desc] of stashed) Object.defineProperty(lightProto, key, desc);
    shapeLike(light, node(), realOf);
  };
  // Before shaping no object of Node's class exists (it is reached only through shape()): the prototype test is the whole answer.
  const ordinary = Function.prototype[Symbol.hasInstance];
  Object.defineProperty(light, Symbol.hasInstance, { configurable: true, value: function (this: AnyClass, value: unknown): boolean { return ordinary.call(this, value); } });
  const nodeProto = (): object => {
    shape();
    return node().prototype as object;
  };
  const stand = Object.create(Object.prototype) as object;
  for (const key of names.members) {
    Object.defineProperty(stand, key, {
      configurable: true,
      // On the stand-in itself it answers as Node's prototype; from a light object it looks again from the light prototype, which forwards Node's members once shaped.
      get(this: object): unknown {
        return this === stand ? Reflect.get(nodeProto(), key) : (nodeProto(), Reflect.get(lightProto, key, this));
      },
      set(this: object, value: unknown) {
        if (this === stand) Reflect.set(nodeProto(), key, value);
        else (nodeProto(), Reflect.set(lightProto, key, value, this));
      },
    });
  }
  Object.setPrototypeOf(lightProto, stand);
  return shape;
}
