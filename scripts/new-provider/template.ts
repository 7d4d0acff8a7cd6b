import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The template of a kind package: every `*.tmpl` file under it, by path inside the package. */
export const TEMPLATE_DIR = fileURLToPath(new URL('./template/', import.meta.url));

/** What the template's `__name__` tokens stand for. */
export interface TemplateValues {
  /** json-files */
  readonly kind: string;
  /** JsonFiles */
  readonly Kind: string;
  /** JSON_FILES */
  readonly KIND: string;
  /** jsonFiles */
  readonly camelKind: string;
  /** The default port, e.g. 4005. */
  readonly port: string;
  /** The default registry, relative to the repository root (posix). */
  readonly registry: string;
}

// One pass over the text, so a value can never be read as another token. Tokens are
// matched whole: `DEFAULT___KIND___REGISTRY` is `DEFAULT_` + __KIND__ + `_REGISTRY`.
const TOKEN = /__(kind|Kind|KIND|camelKind|port|registry)__/g;

export function renderTemplate(text: string, values: TemplateValues): string {
  return text.replace(TOKEN, (_token, name: keyof TemplateValues) => values[name]);
}

async function listTemplateFiles(dir: string, prefix = ''): Promise<string[]> {
  const files: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) files.push(...(await listTemplateFiles(path.join(dir, entry.name), relative)));
    else if (entry.name.endsWith('.tmpl')) files.push(relative);
  }
  return files.sort();
}

/**
 * The package's files rendered for one kind, by path inside the package (the `.tmpl`
 * suffix dropped: the templates carry it so that tsc and vitest never read them as code).
 */
export async function renderKindPackage(values: TemplateValues, dir = TEMPLATE_DIR): Promise<Map<string, string>> {
  const rendered = new Map<string, string>();
  for (const file of await listTemplateFiles(dir)) {
    const text = renderTemplate(await readFile(path.join(dir, file), 'utf8'), values);
    const leftover = /__[A-Za-z]+__/.exec(text);
    if (leftover) throw new Error(`template ${file} has an unknown token ${leftover[0]}`);
    rendered.set(file.slice(0, -'.tmpl'.length), text);
  }
  return rendered;
}
