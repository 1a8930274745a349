import * as vscode from 'vscode';
import { errorMessage } from '../../core/base/errors';
import type { HostKeyDecision, HostKeyPrompt } from '../../ssh/connection';

/** The modal a person sees for a key that is not known: the fingerprint, and three choices. */
export async function askHostKey(p: HostKeyPrompt): Promise<HostKeyDecision> {
  const lines = [
    `${p.keyType} key fingerprint:`,
    p.fingerprint,
    '',
    `Compare it with the node's own key before trusting it (on the node: ssh-keygen -lf /etc/ssh/ssh_host_${p.keyType.replace(/^ssh-|-.*$/g, '')}_key.pub).`,
  ];
  if (p.otherTypes.length > 0)
    lines.push('', `Other key types are already known for this host (${p.otherTypes.join(', ')}): this one is new.`);
  if (p.certAuthorityOnly) lines.push('', 'An @cert-authority line covers this host, but certificates cannot be checked here.');
  lines.push('', '"Trust Always" adds it to eBPF Lens\'s own known_hosts file; your ~/.ssh is never written.');
  const pick = await vscode.window.showWarningMessage(
    `The host key of ${p.nodeName} (${p.host}:${p.port}) is not known.`,
    { modal: true, detail: lines.join('\n') },
    'Trust Once',
    'Trust Always',
  );
  return pick === 'Trust Always' ? 'always' : pick === 'Trust Once' ? 'once' : 'reject';
}

/**
 * Ask for a secret in an input box with a "remember" toggle. Returns the secret and whether the
 * user asked to keep it (it is stored only after it worked). With `check`, an answer it rejects
 * is refused in the same box (its message shown, the field emptied, the toggle kept) and the box
 * stays open for another try: no second box, so focus never leaves the field between tries.
 * `signal` closes the box (undefined) when the answer is no longer wanted.
 */
export function askSecret(
  title: string,
  prompt: string,
  o: { check?: (value: string) => string | undefined | Promise<string | undefined>; signal?: AbortSignal } = {},
): Promise<{ value: string; remember: boolean } | undefined> {
  return new Promise((resolve) => {
    if (o.signal?.aborted) return resolve(undefined);
    const box = vscode.window.createInputBox();
    let remember = false;
    const button = (): vscode.QuickInputButton => ({
      iconPath: new vscode.ThemeIcon(remember ? 'pass-filled' : 'circle-large-outline'),
      tooltip: remember ? 'Will be remembered in VS Code secret storage (click to change)' : 'Remember in VS Code secret storage',
    });
    box.title = title;
    box.prompt = prompt;
    box.password = true;
    box.ignoreFocusOut = true;
    box.buttons = [button()];
    let done = false;
    const finish = (r: { value: string; remember: boolean } | undefined): void => {
      if (done) return;
      done = true;
      o.signal?.removeEventListener('abort', abort);
      resolve(r);
      box.hide();
    };
    const abort = (): void => finish(undefined);
    o.signal?.addEventListener('abort', abort);
    box.onDidTriggerButton(() => {
      remember = !remember;
      box.buttons = [button()];
    });
    // the message stays until the user types again (not when the field is emptied for them)
    box.onDidChangeValue((v) => {
      if (v !== '' && box.validationMessage !== undefined) box.validationMessage = undefined;
    });
    box.onDidAccept(() => {
      if (done || box.busy) return;
      const value = box.value;
      const check = o.check;
      if (!check) return finish({ value, remember });
      // Enter on the emptied field is not another try (each one counts against the node's limit)
      if (value === '') return;
      box.busy = true;
      box.enabled = false;
      // a tick first, so the box shows it is busy before a slow check (a key's bcrypt) holds the host
      setTimeout(() => {
        void (async () => {
          if (done) return;
          let wrong: string | undefined;
          try {
            wrong = await check(value);
          } catch (e) {
            wrong = errorMessage(e);
          }
          if (done) return;
          box.busy = false;
          box.enabled = true;
          if (wrong === undefined) return finish({ value, remember });
          box.value = '';
          box.validationMessage = { message: wrong, severity: vscode.InputBoxValidationSeverity.Error };
        })();
      }, 0);
    });
    box.onDidHide(() => {
      finish(undefined);
      box.dispose();
    });
    box.show();
  });
}
