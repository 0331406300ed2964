// Module resolution hook (registered by ./register.mjs): the host's interface is ./host.mjs.
const HOST = 'roomkit:plugin/host@0.2.0';

export async function resolve(specifier, context, next) {
  if (specifier === HOST) return { url: new URL('./host.mjs', import.meta.url).href, shortCircuit: true };
  return next(specifier, context);
}
