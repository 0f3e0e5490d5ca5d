/** Where the Jupyter interfaces show things in a browser, and what a person does there: run a cell. */
import type { WatchedPage } from './browser.js';

/** A notebook whose one code cell shows the UID the kernel runs as. */
export const UID_NOTEBOOK = JSON.stringify({
  cells: [{ cell_type: 'code', execution_count: null, id: 'uid', metadata: {}, outputs: [], source: 'import os; os.getuid()' }],
  metadata: { kernelspec: { display_name: 'Python 3 (ipykernel)', language: 'python', name: 'python3' }, language_info: { name: 'python' } },
  nbformat: 4,
  nbformat_minor: 5,
});

/** Where each interface shows things: the file list, a notebook page, a code cell's editor and output. */
export interface Ui {
  listItem: string;
  notebookPath: (path: string) => string;
  editor: string;
  output: string;
}

export const LAB: Ui = {
  listItem: '.jp-DirListing-item',
  notebookPath: (path) => `/lab/tree/work/${path}`,
  editor: '.jp-CodeCell .jp-InputArea-editor',
  output: '.jp-CodeCell .jp-OutputArea-output',
};

export const NOTEBOOK6: Ui = {
  listItem: '#notebook_list .list_item',
  notebookPath: (path) => `/notebooks/work/${path}`,
  editor: '.cell.code_cell .CodeMirror',
  output: '.cell.code_cell .output_area',
};

/** Runs the notebook's first code cell as a person does (click into it, Shift+Enter) until its output shows `expected`. */
export async function runFirstCell(page: WatchedPage['page'], ui: Ui, expected: string): Promise<void> {
  const output = page.locator(ui.output, { hasText: expected }).first();
  // The first key press can come before the notebook's kernel and shortcuts are ready: try again then.
  for (let attempt = 1; ; attempt++) {
    await page.locator(ui.editor).first().click();
    await page.keyboard.press('Shift+Enter');
    try {
      await output.waitFor({ timeout: 20_000 });
      return;
    } catch (error) {
      if (attempt === 3) throw error;
    }
  }
}
