// The host's imports. A separate module so that native tests (testing/register.mjs) can put
// in-memory stand-ins in place of the WIT interface.
export { log, config, kvGet, kvSet, kvDelete } from 'roomkit:plugin/host@0.2.0';
