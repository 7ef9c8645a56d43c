export function renderDiff(opts: { to: string; from?: string; databaseUrl?: string }): string;
