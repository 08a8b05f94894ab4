// The Sigma rules page (/rules): the rules genesisd runs, filtered by search,
// level and on/off; a rule's checkbox switches that one rule, a selector
// (level:low, tag:attack.t1059*, path:windows/...) switches every rule it names,
// and the switches in force are listed oldest first, each removable. Every
// change goes to genesisd (POST/DELETE /v1/sigma/switches) and the page redraws
// from its answer, so what is shown is what runs.

import type { Api } from '../api';
import type { SigmaRuleRow, SigmaSwitch } from '../types';

const LEVELS = ['informational', 'low', 'medium', 'high', 'critical'] as const;
/** Rows drawn at once; a filter narrows the rest. */
const PAGE = 200;

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...kids: (Node | string)[]): HTMLElementTagNameMap[K] {
  const e = Object.assign(document.createElement(tag), props);
  e.append(...kids);
  return e;
}

function select(id: string, options: [string, string][]): HTMLSelectElement {
  const s = el('select', { id });
  for (const [value, text] of options) s.append(el('option', { value }, text));
  return s;
}

export class RulesPage {
  private readonly counts = el('span', { id: 'rules-counts' });
  private readonly q = el('input', { id: 'rules-q', type: 'search', placeholder: 'search id or title', autocomplete: 'off' });
  private readonly level = select('rules-level', [['', 'any level'], ...LEVELS.map((l): [string, string] => [l, l])]);
  private readonly state = select('rules-state', [['', 'on and off'], ['true', 'on'], ['false', 'off']]);
  private readonly table = el('tbody');
  private readonly more = el('div', { className: 'rules-more' });
  private readonly selector = el('input', { id: 'rules-selector', placeholder: 'level:low · tag:attack.t1059* · path:windows/… · rule:ID · all', autocomplete: 'off' });
  private readonly switches = el('ul', { id: 'rules-switches' });
  private seq = 0;

  constructor(
    private readonly root: HTMLElement,
    private readonly api: Api,
    private readonly toast: (message: string, kind?: 'error' | 'alert' | 'info') => void,
  ) {}

  async start(): Promise<void> {
    const disable = el('button', { id: 'rules-disable', type: 'button' }, 'switch off');
    const enable = el('button', { id: 'rules-enable', type: 'button' }, 'switch on');
    disable.addEventListener('click', () => void this.switchSelector(false));
    enable.addEventListener('click', () => void this.switchSelector(true));
    this.selector.addEventListener('keydown', (e) => {
      if (e.key === 'Enter') void this.switchSelector(false);
    });
    for (const input of [this.q, this.level, this.state]) input.addEventListener('input', () => void this.refresh());
    this.root.replaceChildren(
      el('div', { className: 'rules-head' }, el('h2', {}, 'Sigma rules'), this.counts, el('a', { href: '/', className: 'full-link' }, '← fleet')),
      el('div', { className: 'rules-bar' }, this.q, this.level, this.state),
      el('div', { className: 'rules-bar' }, this.selector, disable, enable),
      el('h4', {}, 'Switches (the newest that selects a rule decides)'),
      this.switches,
      el('table', { id: 'rules-table' }, el('thead', {}, el('tr', {}, ...['run', 'level', 'title', 'file', 'tags'].map((h) => el('th', {}, h)))), this.table),
      this.more,
    );
    await this.refresh();
  }

  /** Redraws the rule list and the switches from genesisd; an older answer never overwrites a newer one. */
  async refresh(): Promise<void> {
    const seq = ++this.seq;
    try {
      const [page, switches] = await Promise.all([
        this.api.sigmaRules({ q: this.q.value, level: this.level.value, enabled: this.state.value, limit: PAGE }),
        this.api.sigmaSwitches(),
      ]);
      if (seq !== this.seq) return;
      this.counts.textContent = `${page.rules_running} of ${page.rules_loaded} rules run`;
      this.table.replaceChildren(...page.rules.map((r) => this.row(r)));
      this.more.textContent = page.total > page.rules.length ? `${page.total - page.rules.length} more match: narrow the filter` : `${page.total} match`;
      this.switches.replaceChildren(...switches.switches.map((s) => this.switchItem(s)));
      this.root.dataset.loaded = String(seq);
    } catch (e) {
      this.toast(`rules: ${e instanceof Error ? e.message : String(e)}`, 'error');
    }
  }

  private row(r: SigmaRuleRow): HTMLTableRowElement {
    const box = el('input', { type: 'checkbox', checked: r.enabled, title: r.enabled ? 'runs: click to switch off' : 'off: click to switch on' });
    box.addEventListener('change', () => void this.change(`rule:${r.id}`, box.checked));
    const tr = el(
      'tr',
      { className: r.enabled ? '' : 'off' },
      el('td', {}, box),
      el('td', { className: `level ${r.level}` }, r.level || '-'),
      el('td', { title: `${r.id}\n${r.author}` }, r.title),
      el('td', { className: 'file' }, r.file),
      el('td', { className: 'tags' }, r.tags.join(' ')),
    );
    tr.dataset.ruleId = r.id;
    return tr;
  }

  private switchItem(s: SigmaSwitch): HTMLLIElement {
    const remove = el('button', { type: 'button', title: 'remove this switch' }, 'remove');
    remove.addEventListener('click', () => void this.removeSwitch(s.id));
    const li = el('li', {}, `${s.id}  ${s.enabled ? 'on ' : 'off'}  ${s.selector}  `, el('span', { className: 'dim' }, s.created_at), ' ', remove);
    li.dataset.switchId = String(s.id);
    return li;
  }

  private async switchSelector(enabled: boolean): Promise<void> {
    const sel = this.selector.value.trim();
    if (!sel) return this.toast('type a selector first, such as level:low', 'error');
    if (await this.change(sel, enabled)) this.selector.value = '';
  }

  private async change(selector: string, enabled: boolean): Promise<boolean> {
    try {
      const r = await this.api.addSigmaSwitch(selector, enabled);
      this.toast(`${enabled ? 'on' : 'off'}: ${r.switch.selector} — ${r.rules_running} of ${r.rules_loaded} rules run`);
      return true;
    } catch (e) {
      this.toast(`switch refused: ${e instanceof Error ? e.message : String(e)}`, 'error');
      return false;
    } finally {
      await this.refresh();
    }
  }

  private async removeSwitch(id: number): Promise<void> {
    try {
      await this.api.removeSigmaSwitch(id);
    } catch (e) {
      this.toast(`remove switch ${id}: ${e instanceof Error ? e.message : String(e)}`, 'error');
    }
    await this.refresh();
  }
}
