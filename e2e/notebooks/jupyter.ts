import { execFile, spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { missingTestTool } from '@cancer-imaging/provider-kit';

/** The Python the notebooks' kernel runs: Debian's, where the apt packages below install. */
export const KERNEL_PYTHON = '/usr/bin/python3';

/** What CI installs for the notebooks (Debian 12 package names). */
export const NOTEBOOK_APT_PACKAGES = ['jupyter-nbconvert', 'python3-ipykernel', 'python3-pandas', 'python3-matplotlib', 'python3-requests'];

/** What the kernel imports: ipykernel to be a kernel, the rest for the notebooks. */
const KERNEL_MODULES = ['ipykernel', 'matplotlib_inline', 'pandas', 'matplotlib', 'requests'];

/** How to run notebooks here: the `jupyter` command that has nbconvert. */
export interface NotebookRunner {
  readonly jupyter: string;
}

/** One output of an executed code cell, as nbformat 4 stores it. */
export interface NotebookOutput {
  readonly output_type: 'stream' | 'display_data' | 'execute_result' | 'error';
  readonly name?: string;
  readonly text?: string | string[];
  readonly data?: Readonly<Record<string, string | string[]>>;
  readonly ename?: string;
  readonly evalue?: string;
}

export interface NotebookCell {
  readonly cell_type: 'code' | 'markdown' | 'raw';
  readonly source: string | string[];
  readonly outputs?: readonly NotebookOutput[];
  readonly execution_count?: number | null;
}

export interface Notebook {
  readonly nbformat: number;
  readonly metadata: { readonly kernelspec?: { readonly name?: string; readonly language?: string } };
  readonly cells: readonly NotebookCell[];
}

const joined = (text: string | readonly string[] | undefined): string => (Array.isArray(text) ? text.join('') : (text as string | undefined) ?? '');

/** The source of a cell as one string. */
export const sourceOf = (cell: NotebookCell): string => joined(cell.source);

/** The text a code cell printed or displayed (stream text and text/plain), in order. */
export function textOf(cell: NotebookCell): string {
  return (cell.outputs ?? [])
    .map((output) => output.output_type === 'stream' ? joined(output.text) : joined(output.data?.['text/plain']))
    .join('\n');
}

/** Every code cell's text, one block per cell. */
export const allText = (notebook: Notebook): string => notebook.cells.map(textOf).join('\n');

/** How many outputs carry a PNG (a drawn chart). */
export const imageCount = (notebook: Notebook): number =>
  notebook.cells.flatMap((cell) => cell.outputs ?? []).filter((output) => output.data?.['image/png'] !== undefined).length;

function onPath(command: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter(Boolean)) {
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * The notebook runner, when `jupyter nbconvert` and a kernel Python with the notebooks'
 * packages are installed. Without them the notebook tests are skipped with a loud message,
 * except under CI=true where that is a failure: CI installs them.
 */
export function findNotebookRunner(): NotebookRunner | undefined {
  const jupyter = onPath('jupyter');
  const missing: string[] = [];
  if (!jupyter || spawnSync(jupyter, ['nbconvert', '--version'], { encoding: 'utf8' }).status !== 0) missing.push('jupyter nbconvert');
  const imports = spawnSync(KERNEL_PYTHON, ['-c', `import ${KERNEL_MODULES.join(', ')}`], { encoding: 'utf8' });
  if (imports.status !== 0) missing.push(`${KERNEL_PYTHON} with ${KERNEL_MODULES.join(', ')}`);
  if (jupyter && missing.length === 0) return { jupyter };
  missingTestTool(`${missing.join(' and ')} not found (apt-get install ${NOTEBOOK_APT_PACKAGES.join(' ')}): the notebook e2e tests cannot run.`);
  return undefined;
}

/** Variables the run must not inherit: another Python's paths, or the caller's own graph settings. */
const NOT_INHERITED = /^(PYTHONPATH|PYTHONHOME|PYTHONSTARTUP|VIRTUAL_ENV|JUPYTER_.*|IPYTHONDIR|MPLBACKEND|CIG_.*)$/;

export interface ExecuteNotebookOptions {
  /** Variables the notebook reads (CIG_GRAPH_URL, CIG_TOKEN, ...). */
  readonly env: Readonly<Record<string, string>>;
  /** Seconds any one cell may take. @default 60 */
  readonly cellTimeoutSeconds?: number;
}

/**
 * Executes a notebook headless, as CI and a user would: `jupyter nbconvert --to notebook
 * --execute`, on a kernel named `python3` that this run defines to be KERNEL_PYTHON (so no
 * user-installed kernel of that name is picked), with private Jupyter and IPython
 * directories. Rejects, with nbconvert's output, when any cell raises (nbconvert exits
 * non-zero); resolves to the executed notebook.
 */
export async function executeNotebook(runner: NotebookRunner, notebookPath: string, options: ExecuteNotebookOptions): Promise<Notebook> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cig-notebook-'));
  try {
    const kernelDir = path.join(dir, 'share', 'kernels', 'python3');
    await mkdir(kernelDir, { recursive: true });
    await writeFile(path.join(kernelDir, 'kernel.json'), JSON.stringify({
      argv: [KERNEL_PYTHON, '-m', 'ipykernel_launcher', '-f', '{connection_file}'],
      display_name: 'Python 3 (ipykernel)',
      language: 'python',
      env: {
        // The inline backend renders with Agg, headless, and keeps the charts as PNGs in the
        // executed notebook; plain Agg would draw nothing there (plt.show() only warns).
        MPLBACKEND: 'module://matplotlib_inline.backend_inline',
        PYDEVD_DISABLE_FILE_VALIDATION: '1',
      },
    }));
    const env: Record<string, string> = {};
    for (const [key, value] of Object.entries(process.env)) if (value !== undefined && !NOT_INHERITED.test(key)) env[key] = value;
    Object.assign(env, {
      JUPYTER_PATH: path.join(dir, 'share'),
      JUPYTER_RUNTIME_DIR: path.join(dir, 'runtime'),
      IPYTHONDIR: path.join(dir, 'ipython'),
      ...options.env,
    });
    const output = path.join(dir, 'executed.ipynb');
    const args = [
      'nbconvert', '--to', 'notebook', '--execute',
      '--ExecutePreprocessor.kernel_name=python3',
      `--ExecutePreprocessor.timeout=${options.cellTimeoutSeconds ?? 60}`,
      '--output', output, notebookPath,
    ];
    await new Promise<void>((resolve, reject) => {
      execFile(runner.jupyter, args, { env, cwd: dir, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        if (error) reject(new Error(`jupyter nbconvert --execute ${path.basename(notebookPath)} failed (${error.code ?? error.signal}):\n${stdout}${stderr}`));
        else resolve();
      });
    });
    return JSON.parse(await readFile(output, 'utf8')) as Notebook;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
