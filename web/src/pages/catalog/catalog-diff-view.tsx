// What a catalog document would change (POST /v1/catalog/diff) or changed (apply): entries
// created, updated (the changed fields, as a line diff of the entry) and removed.

import { Badge, Stack, Text, Title } from "@mantine/core";
import { diffLines } from "diff";
import { stringify } from "yaml";
import { CodeBlock } from "../../components/code-block";
import type { CatalogDiff, CatalogEntry } from "./catalog-queries";

function EntryLines({ entry, sign }: { entry: CatalogEntry; sign: "+" | "-" }) {
  const text = stringify(entry).trimEnd();
  return (
    <CodeBlock label={`${sign === "+" ? "Added" : "Removed"} entry ${entry.id}`}>
      <span className={sign === "+" ? "diff-added" : "diff-removed"}>
        {text
          .split("\n")
          .map((l) => `${sign} ${l}`)
          .join("\n")}
      </span>
    </CodeBlock>
  );
}

function EntryChange({ before, after }: { before: CatalogEntry; after: CatalogEntry }) {
  const parts = diffLines(stringify(before), stringify(after));
  return (
    <CodeBlock label={`Changes to entry ${after.id}`}>
      {parts.map((part, i) => {
        const sign = part.added ? "+" : part.removed ? "-" : " ";
        const lines = part.value.replace(/\n$/, "").split("\n");
        return (
          <span
            // biome-ignore lint/suspicious/noArrayIndexKey: the parts of one diff never reorder
            key={i}
            className={part.added ? "diff-added" : part.removed ? "diff-removed" : undefined}
          >
            {lines.map((l) => `${sign} ${l}\n`).join("")}
          </span>
        );
      })}
    </CodeBlock>
  );
}

export function CatalogDiffView({ diff }: { diff: CatalogDiff }) {
  const changes = diff.create.length + diff.update.length + diff.delete.length;
  return (
    <Stack gap="xs" data-testid="catalog-diff">
      <Text fw={600}>
        {changes === 0
          ? "No change: the document equals the catalog."
          : `${diff.create.length} to add, ${diff.update.length} to change, ${diff.delete.length} to remove, ${diff.unchanged} unchanged`}
      </Text>
      {diff.create.map((e) => (
        <div key={`c-${e.id}`}>
          <Title order={4} size="h6">
            <Badge color="green.8">add</Badge> {e.id}
          </Title>
          <EntryLines entry={e} sign="+" />
        </div>
      ))}
      {diff.update.map((u) => (
        <div key={`u-${u.id}`}>
          <Title order={4} size="h6">
            <Badge color="blue.8">change</Badge> {u.id}: {u.fields.join(", ")}
          </Title>
          <EntryChange before={u.before} after={u.after} />
        </div>
      ))}
      {diff.delete.map((e) => (
        <div key={`d-${e.id}`}>
          <Title order={4} size="h6">
            <Badge color="red.8">remove</Badge> {e.id}
          </Title>
          <EntryLines entry={e} sign="-" />
        </div>
      ))}
    </Stack>
  );
}
