// Test harness: loads achats/site/editor/admin/achats-cms.js with js-yaml in a stub browser (node),
// runs the JSON requests read on stdin, writes the JSON answers (tests/test_cms_format.py).
const fs = require('fs');
const vm = require('vm');
const [yamlPath, cmsPath] = process.argv.slice(2);
const registered = {};
const sandbox = {
  console,
  h: () => null,
  createClass: spec => spec,
  // The admin page fetches the entries' index (fiches.json); the test gives it here.
  fetch: url => {
    const given = { 'fiches.json': process.env.ACHATS_FICHES,
                    'config.json': process.env.ACHATS_CONFIG }[url];
    return given === undefined ? new Promise(() => {})
      : Promise.resolve({ json: () => Promise.resolve(JSON.parse(given)) });
  },
  alert: () => {},
  CMS: {
    registerCustomFormat: (name, ext, fmt) => { registered[name] = fmt; },
    registerEventListener: listener => { registered[listener.name] = listener.handler; },
    registerPreviewTemplate: () => {},
    registerPreviewStyle: () => {},
    registerWidget: () => {},
    getWidget: () => ({ preview: null }),
    init: () => {},
  },
};
sandbox.window = sandbox;
vm.createContext(sandbox);
vm.runInContext(fs.readFileSync(yamlPath, 'utf8'), sandbox);
vm.runInContext(fs.readFileSync(cmsPath, 'utf8'), sandbox);
const fmt = registered['achats-frontmatter'];
const requests = JSON.parse(fs.readFileSync(0, 'utf8'));
setImmediate(() => {
const out = requests.map(r => {
  if (r.op === 'roundtrip') return fmt.toFile(fmt.fromFile(r.text));
  if (r.op === 'change') {
    const data = fmt.fromFile(r.text);
    Object.assign(data, r.changes);
    return fmt.toFile(data, r.sortedKeys || []);
  }
  if (r.op === 'write') return fmt.toFile(r.data, r.sortedKeys || []);
  if (r.op === 'read') return fmt.fromFile(r.text);
  if (r.op === 'links') { return sandbox.achatsCms.linkIds(r.text); }
  if (r.op === 'presave') {
    const entry = { get: k => (k === 'collection' ? r.collection : { toJS: () => r.data }) };
    try { registered.preSave({ entry }); return null; } catch (e) { return e.message; }
  }
  throw new Error('op ' + r.op);
});
process.stdout.write(JSON.stringify(out));
});
