// The words of the Action's job summary, in the languages the config's `language` offers. The reader is the
// requester: an application engineer with a GitHub account and no AWS access.

import type { MaskingStop } from './masking-stop.ts';

export type Language = 'en' | 'ja';

export interface SummaryText {
  nothing: string;
  timesIn: (zone: string) => string;
  intro: (person: string, set: string | null, zone: string) => string;
  createColumns: readonly string[];
  listColumns: readonly string[];
  pointsColumns: readonly string[];
  pointsIntro: (source: string, zone: string) => string;
  point: (time: string, kind: string) => string;
  failed: (name: string, source: string, error: string) => string;
  connectionTitle: (actor: string) => string;
  sealedFor: (actor: string) => string;
  installAge: string;
  installLines: readonly string[];
  pasteBash: string;
  pastePowerShell: string;
  agentOrSecurityKey: string;
  makeKey: readonly string[];
  noKey: (actor: string, unusable: string[]) => string;
  apiFailure: (actor: string, failure: string) => string;
  extendOrDelete: string;
  extendOrDeleteHow: string;
  reachTitle: string;
  reachDirect: (name: string, address: string) => string;
  reachRelay: (name: string, relay: string, command: string) => string;
  reachDirectHelp: (docs: string) => string;
  reachRelayHelp: (docs: string) => string;
  reachInSealed: string;
  /** `docs/reaching-clones.md`, as a link when the Action knows where its repository is. */
  reachDocs: (url: string | undefined) => string;
  /** Lines of the sealed hand-off (what `age -d` shows). */
  sealedPassword: (program: string, variable: string, bash: string, powershell: string) => string;
  sealedDirect: string;
  sealedRelay: (command: string, relay: string) => string;
  /** A command that ended with an error before anything was made. */
  commandFailed: (error: string) => string;
  /** A clone whose masking was verified (the detail: tables=… rows=… rules=… checks=…). */
  maskedVerified: (name: string, detail: string) => string;
  maskingStopTitle: string;
  maskingStop: (stop: MaskingStop) => string;
  maskingProblems: string;
  /** What the requester does next: who fixes it, and the re-run that finishes the clone. */
  maskingNext: (source: string | undefined) => string;
}

/** age's install line per OS (the age README's packages; winget's id is FiloSottile.age). */
const INSTALL = {
  debian: '`sudo apt install age`',
  mac: '`brew install age`',
  windows: '`winget install --id FiloSottile.age`',
  scoop: '`scoop bucket add extras; scoop install age`',
};
const KEYGEN = '`ssh-keygen -t ed25519 -f ~/.ssh/snapclone`';
const KEYS_PAGE = 'https://github.com/settings/keys';
/**
 * How to get the hand-off again: a clone's name holds the day of its restore point, and a create for that day
 * finds the same name, so it picks up the clone already made (a re-run with an empty date might pick a newer point).
 */
const RUN_AGAIN = {
  en: "run this workflow again for the same source with `date` set to the day in the clone's name (…-20261120-… is 2026-11-20): it picks up the clone already made",
  ja: '同じソースで、`date` にクローン名の日付（…-20261120-… なら 2026-11-20）を指定してこのワークフローをもう一度実行してください。作成済みのクローンをそのまま使い、',
};

const en: SummaryText = {
  nothing: 'Nothing to report.',
  timesIn: (zone) => `Times are in ${zone}.`,
  intro: (person, set, zone) => `Requested by **${person}**${set ? ` as set \`${set}\`` : ''}. Times are in ${zone}.`,
  createColumns: ['clone', 'source', 'data from', 'status', 'endpoint', 'user', 'expires'],
  listColumns: ['clone', 'status', 'endpoint', 'expires'],
  pointsColumns: ['time', 'kind', 'id'],
  pointsIntro: (source, zone) => `Restorable points of ${source}, newest first (times in ${zone}). Pick a day for the clone workflow's date input.`,
  point: (time, kind) =>
    `${time} (${({ backup: 'AWS Backup recovery point', snapshot: 'manual snapshot', 'automated-snapshot': 'automated snapshot', 'point-in-time': 'point in time' })[kind] ?? kind})`,
  failed: (name, source, error) => `**Failed**: \`${name}\` (${source}): ${error}`,
  connectionTitle: (actor) => `Connection details, for ${actor} only`,
  sealedFor: (actor) =>
    `The password is sealed for ${actor}: only the private key of an SSH key on ${actor}'s GitHub account opens it. It is never written to this log, the outputs or anywhere else.`,
  installAge: 'Install [age](https://age-encryption.org) once:',
  installLines: [
    `Debian 12+ / Ubuntu 22.04+: ${INSTALL.debian}`,
    `macOS: ${INSTALL.mac}`,
    `Windows: ${INSTALL.windows} (or ${INSTALL.scoop})`,
  ],
  pasteBash: 'Paste this into a terminal (bash or zsh; for an RSA key, use `~/.ssh/id_rsa`):',
  pastePowerShell: 'In Windows PowerShell, paste this instead:',
  agentOrSecurityKey:
    'Is your key only in an SSH agent (1Password, Secretive, …) or on a security key (`sk-ssh-ed25519`, a YubiKey)? age cannot use either: it reads the private key file itself, and a security key never gives its key out.',
  makeKey: [
    `Make a key file for this: ${KEYGEN}, add \`~/.ssh/snapclone.pub\` at ${KEYS_PAGE}, then ${RUN_AGAIN.en} and seals the password again. Decrypt with \`-i ~/.ssh/snapclone\`.`,
  ],
  noKey: (actor, unusable) =>
    `${actor} has no ssh-ed25519 or ssh-rsa key on GitHub${unusable.length ? ` (only ${unusable.map((k) => `\`${k}\``).join(', ')}, which age cannot use)` : ''}, so the password could not be sealed here.`,
  apiFailure: (actor, failure) =>
    `GitHub's API did not give the SSH keys of ${actor} (${failure}), so the password could not be sealed here. Later, ${RUN_AGAIN.en} and tries again. Your infrastructure team can also give you the connection details.`,
  extendOrDelete: 'Extend or delete',
  extendOrDeleteHow: 'From the Actions tab (the extend and delete workflows), or with gh:',
  reachTitle: 'How to reach the clones',
  reachDirect: (name, address) => `\`${name}\`: from inside the VPC or over the company VPN, at \`${address}\`.`,
  reachRelay: (name, relay, command) =>
    `\`${name}\`: its endpoint is private. From a machine with AWS access to the target, through the relay \`${relay}\`: \`${command}\``,
  reachDirectHelp: (docs) => `Not on the company VPN? Ask your infrastructure team for VPN access to the clones' VPC (${docs}).`,
  reachRelayHelp: (docs) =>
    `No AWS access? Ask your infrastructure team for access to \`snapclone connect\` (the target's role), or for the company VPN into the clones' VPC if they offer one (${docs}).`,
  reachInSealed: 'The sealed block below holds the password, the connection URL and a ready client command.',
  reachDocs: (url) => (url ? `[how clones are reached](${url})` : "how clones are reached: `docs/reaching-clones.md` in snapclone's repository"),
  sealedPassword: (program, variable, bash, powershell) => `# ${program} takes the password from ${variable}: ${bash} (bash, zsh) or ${powershell} (PowerShell)`,
  sealedDirect: 'connect=direct: from inside the VPC or over the company VPN',
  sealedRelay: (command, relay) => `connect=${command}   (through the relay ${relay}, with AWS access to the target; the endpoint is private)`,
  commandFailed: (error) => `**Failed**: ${error}`,
  maskedVerified: (name, detail) => `\`${name}\`: masked and verified (${detail}).`,
  maskingStopTitle: 'Masking did not pass: nothing was handed out',
  maskingStop: (s) =>
    `\`${s.clone}\`: masking ${s.stage === 'refused' ? 'refused to start' : 'failed'}, so nothing was handed out: no password and no connection details. ${
      s.stage === 'refused' ? 'Nothing in the clone was changed' : 'Its changes were rolled back where the database allows it'
    }; ${
      { locked: 'the clone is locked (its password was replaced by one nobody is told)', deleted: 'the clone is being deleted', kept: 'the clone is kept, and nothing that opens it is handed out' }[s.left]
    }.`,
  maskingProblems: 'What stopped it:',
  maskingNext: (source) =>
    `Send this to your infrastructure team: they fix the masking rules of ${source ? `\`${source}\`` : 'its source'} in snapclone's config (or, when the clone could not be reached, run the Action where it can be). Then run this workflow again for the same source with \`date\` set to the day in the clone's name (…-20261120-… is 2026-11-20): it masks the clone (made again if it was deleted) and only then hands you its connection details.`,
};

const ja: SummaryText = {
  nothing: '報告する内容はありません。',
  timesIn: (zone) => `時刻は ${zone} で表示しています。`,
  intro: (person, set, zone) => `依頼者：**${person}**${set ? `（セット \`${set}\`）` : ''}。時刻は ${zone} で表示しています。`,
  createColumns: ['クローン', 'ソース', 'データの時点', '状態', 'エンドポイント', 'ユーザー', '有効期限'],
  listColumns: ['クローン', '状態', 'エンドポイント', '有効期限'],
  pointsColumns: ['日時', '種類', 'ID'],
  pointsIntro: (source, zone) => `${source} の復元できる時点です（新しい順、時刻は ${zone}）。clone ワークフローの date に日付を指定してください。`,
  point: (time, kind) =>
    `${time}（${({ backup: 'AWS Backup の復旧ポイント', snapshot: '手動スナップショット', 'automated-snapshot': '自動スナップショット', 'point-in-time': 'ポイントインタイムリカバリ' })[kind] ?? kind}）`,
  failed: (name, source, error) => `**失敗**：\`${name}\`（${source}）：${error}`,
  connectionTitle: (actor) => `接続情報（${actor} さん専用）`,
  sealedFor: (actor) =>
    `パスワードは暗号化してあり、${actor} さんの GitHub アカウントに登録された SSH 鍵の秘密鍵でしか復号できません。このログや出力など、ほかの場所には一切書き出していません。`,
  installAge: '[age](https://age-encryption.org) をインストールします（初回のみ）。',
  installLines: [
    `Debian 12 以降 / Ubuntu 22.04 以降：${INSTALL.debian}`,
    `macOS：${INSTALL.mac}`,
    `Windows：${INSTALL.windows}（または ${INSTALL.scoop}）`,
  ],
  pasteBash: '次の内容をターミナルに貼り付けて実行します（bash または zsh。RSA 鍵の場合は `~/.ssh/id_rsa` を指定します）。',
  pastePowerShell: 'Windows の PowerShell では、代わりに次の内容を貼り付けます。',
  agentOrSecurityKey:
    '鍵が SSH エージェント（1Password、Secretive など）やセキュリティキー（`sk-ssh-ed25519`、YubiKey など）にしかない場合、age では復号できません。age は秘密鍵のファイルを直接読み込み、セキュリティキーは秘密鍵を外に出さないためです。',
  makeKey: [
    `この用途専用の鍵ファイルを ${KEYGEN} で作成し、\`~/.ssh/snapclone.pub\` を ${KEYS_PAGE} に登録してから、${RUN_AGAIN.ja}パスワードを改めて暗号化します。復号するときは \`-i ~/.ssh/snapclone\` を指定します。`,
  ],
  noKey: (actor, unusable) =>
    `${actor} さんの GitHub アカウントには ssh-ed25519 または ssh-rsa の鍵が登録されていない${unusable.length ? `（登録されているのは age で使えない ${unusable.map((k) => `\`${k}\``).join('、')} のみ）` : ''}ため、パスワードを暗号化して渡せませんでした。`,
  apiFailure: (actor, failure) =>
    `GitHub の API から ${actor} さんの SSH 鍵を取得できなかった（${failure}）ため、パスワードを暗号化して渡せませんでした。しばらくしてから${RUN_AGAIN.ja}もう一度試します。接続情報はインフラチームから受け取ることもできます。`,
  extendOrDelete: '延長・削除',
  extendOrDeleteHow: 'Actions タブの extend / delete ワークフローから、または gh で実行できます。',
  reachTitle: 'クローンへの接続方法',
  reachDirect: (name, address) => `\`${name}\`：VPC 内から、または社内 VPN 経由で \`${address}\` に接続します。`,
  reachRelay: (name, relay, command) =>
    `\`${name}\`：エンドポイントはプライベートです。ターゲットの AWS アカウントにアクセスできる端末から、中継インスタンス \`${relay}\` 経由で接続します：\`${command}\``,
  reachDirectHelp: (docs) => `社内 VPN に接続できない場合は、インフラチームにクローンの VPC へ入れる VPN の利用を依頼してください（${docs}）。`,
  reachRelayHelp: (docs) =>
    `AWS へのアクセス権がない場合は、インフラチームに \`snapclone connect\` を使う権限（ターゲットのロール）か、クローンの VPC へ入れる社内 VPN（用意されていれば）の利用を依頼してください（${docs}）。`,
  reachInSealed: 'パスワード、接続 URL、そのまま使えるクライアントのコマンドは、下の暗号化された接続情報に入っています。',
  reachDocs: (url) => (url ? `[クローンへの接続経路の説明](${url})` : 'クローンへの接続経路の説明：snapclone リポジトリの `docs/reaching-clones.md`'),
  sealedPassword: (program, variable, bash, powershell) => `# ${program} はパスワードを ${variable} から読み取ります：${bash}（bash、zsh）または ${powershell}（PowerShell）`,
  sealedDirect: 'connect=直接：VPC 内から、または社内 VPN 経由',
  sealedRelay: (command, relay) => `connect=${command}   （中継インスタンス ${relay} 経由。ターゲットの AWS アカウントへのアクセス権が必要です。エンドポイントはプライベートです）`,
  commandFailed: (error) => `**失敗**：${error}`,
  maskedVerified: (name, detail) => `\`${name}\`：マスキングと検証が完了しています（${detail}）。`,
  maskingStopTitle: 'マスキングが完了しなかったため、何も渡していません',
  maskingStop: (s) =>
    `\`${s.clone}\`：マスキングを${s.stage === 'refused' ? '開始できなかった' : '完了できなかった'}ため、パスワードも接続情報も渡していません。${
      s.stage === 'refused' ? 'クローンのデータは変更していません。' : '変更は、データベースが対応する範囲でロールバックしました。'
    }${
      { locked: 'クローンはロックしました（マスターパスワードを、誰にも知らせない値に変更済みです）。', deleted: 'クローンは削除中です。', kept: 'クローンは残していますが、接続に使える情報は渡しません。' }[s.left]
    }`,
  maskingProblems: '止まった理由：',
  maskingNext: (source) =>
    `この内容をインフラチームに伝えてください。snapclone の設定ファイルにある ${source ? `\`${source}\` の` : 'ソースの'}マスキングルールを修正してもらう（クローンに接続できなかった場合は、接続できる場所で Action を実行してもらう）必要があります。修正後、同じソースで、\`date\` にクローン名の日付（…-20261120-… なら 2026-11-20）を指定してこのワークフローをもう一度実行すると、クローンをマスキング（削除された場合は作り直してからマスキング）してから接続情報を渡します。`,
};

export function textFor(language: Language): SummaryText {
  return language === 'ja' ? ja : en;
}
