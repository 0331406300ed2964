// `node --import ./testing/register.mjs --test` : makes `roomkit:plugin/host@0.2.0` resolve to
// the in-memory stand-in ./host.mjs, so code using the SDK runs in plain node.
import { register } from 'node:module';

register('./hooks.mjs', import.meta.url);
