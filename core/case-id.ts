// A case id is `<case>[@TARGET][~CONFIG]`: the target a run over several targets (or a lab host)
// appends, then the kernel configuration a run over configurations appends.
import { CONFIG_ID_SEPARATOR } from './kernel-config.ts';
import { type Case, TARGET_ID_SEPARATOR } from './types.ts';

/** The id without the parts named in `drop`, the other kept: the same case on another host, in another configuration, or both. */
export function caseIdWithout(c: Pick<Case, 'id' | 'target' | 'config'>, drop: { target?: boolean; config?: boolean }): string {
  const config = c.config ? `${CONFIG_ID_SEPARATOR}${c.config}` : '';
  const withoutConfig = config && c.id.endsWith(config) ? c.id.slice(0, -config.length) : c.id;
  const target = `${TARGET_ID_SEPARATOR}${c.target}`;
  const bare = drop.target && withoutConfig.endsWith(target) ? withoutConfig.slice(0, -target.length) : withoutConfig;
  return drop.config ? bare : bare + (withoutConfig === c.id ? '' : config);
}
