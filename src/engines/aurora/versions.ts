/**
 * Aurora Serverless v2 scales to 0 ACU (and pauses) only on engine versions with auto-pause: Aurora PostgreSQL
 * 13.15+, 14.12+, 15.7+, 16.3+ and later majors, Aurora MySQL 3.08.0+ (Aurora User Guide, "Scaling to zero ACUs
 * with automatic pause and resume"). Elsewhere "the smallest value that you can use is 0.5" (the API reference,
 * ServerlessV2ScalingConfiguration.MinCapacity).
 */
const POSTGRES_AUTO_PAUSE_MINORS: Record<number, number> = { 13: 15, 14: 12, 15: 7, 16: 3 };

const numbers = (text: string) => text.split('.').map((p) => Number.parseInt(p, 10));

export function supportsAutoPause(engine: string | undefined, version: string | undefined): boolean {
  if (!version) return false;
  if (engine === 'aurora-postgresql') {
    const [major, minor] = numbers(version);
    if (major > 16) return true;
    const least = POSTGRES_AUTO_PAUSE_MINORS[major];
    return least !== undefined && minor >= least;
  }
  if (engine === 'aurora-mysql') {
    // Aurora MySQL versions read 8.0.mysql_aurora.3.08.0: the Aurora version follows "mysql_aurora.".
    const aurora = /mysql_aurora\.(\d+)\.(\d+)/.exec(version);
    if (!aurora) return false;
    const [major, minor] = [Number(aurora[1]), Number(aurora[2])];
    return major > 3 || (major === 3 && minor >= 8);
  }
  return false;
}

/** The least capacity AWS allows for a version when the configured minimum is below it. */
export const AURORA_MIN_ACU_WITHOUT_PAUSE = 0.5;
