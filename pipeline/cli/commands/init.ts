import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../../../host/compile.js';
import { WasmxdpError } from '../../../host/errors.js';
import { parseCommand, str } from '../args.js';
import { scaffoldFiles } from '../init-templates.js';

export const INIT_HELP = `Usage: wasmxdp init <dir> [--wasmxdp <spec>] [--force]

Creates a handler project in <dir>: handler.ts, a unit test using
wasmxdp/testing (uvu), asconfig.json, tsconfig.json (editor type checks), a
README and a package.json depending on wasmxdp. Then:
  cd <dir> && npm install && npm test && npm start

Options:
  --wasmxdp <spec>   the dependency's npm spec (default: this wasmxdp's folder,
                     file:${PROJECT_ROOT}); give a packed tarball
                     (npm pack) to make the project independent of this folder
  --force            write into a directory that is not empty
  -h, --help         this help`;

/** An npm spec for wasmxdp: a path (folder or .tgz) becomes file:<absolute path>. */
export function wasmxdpSpec(given: string | undefined): string {
  if (given === undefined) return `file:${PROJECT_ROOT}`;
  if (/^(file:|https?:|git[+:]|github:|npm:)/.test(given) || /^\^?~?\d/.test(given) || given === 'latest') return given;
  const abs = path.resolve(given);
  if (!fs.existsSync(abs)) throw new WasmxdpError('E_IO', `--wasmxdp ${given}: no such file or folder (give a packed wasmxdp-*.tgz, a wasmxdp folder or an npm spec)`);
  return `file:${abs}`;
}

export async function initCommand(argv: string[], print: (s: string) => void): Promise<number> {
  const p = parseCommand('init', argv, { wasmxdp: { type: 'string' }, force: { type: 'boolean' } }, { min: 1, max: 1 });
  if (p.values.help) { print(INIT_HELP); return 0; }
  const dir = path.resolve(p.positionals[0]);
  if (fs.existsSync(dir) && (!fs.statSync(dir).isDirectory() || (fs.readdirSync(dir).length > 0 && !p.values.force))) {
    throw new WasmxdpError('E_IO', `${p.positionals[0]} exists and is not an empty folder (--force writes into it anyway)`);
  }
  const spec = wasmxdpSpec(str(p, 'wasmxdp'));
  const pkg = JSON.parse(fs.readFileSync(path.join(PROJECT_ROOT, 'package.json'), 'utf8'));
  const files = scaffoldFiles({ name: path.basename(dir), wasmxdp: spec, assemblyscript: pkg.dependencies.assemblyscript, uvu: pkg.devDependencies?.uvu ?? '^0.5.6' });
  for (const [rel, text] of Object.entries(files)) {
    const file = path.join(dir, rel);
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
    } catch (e) {
      throw new WasmxdpError('E_IO', `cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  print(`created ${Object.keys(files).join(', ')} in ${dir}\n(wasmxdp from ${spec})\nnext: cd ${p.positionals[0]} && npm install && npm test && npm start`);
  return 0;
}
