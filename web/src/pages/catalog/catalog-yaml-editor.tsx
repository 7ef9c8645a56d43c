// The catalog as one YAML document (admin): edit, check against the published JSON Schema in the
// browser (errors by line and field), preview the API's diff, then apply with a reason.
import { Alert, Button, Group, List, Stack, Text, Textarea } from "@mantine/core";
import { useEffect, useState } from "react";
import { CatalogDiffView } from "./catalog-diff-view";
import type { CatalogDiff } from "./catalog-queries";
import { useApplyCatalog, useCatalogDiff, useCatalogDocument, useCatalogSchema } from "./catalog-queries";
import { type DocumentProblem, validateCatalogYaml } from "./catalog-validation";

export function CatalogYamlEditor() {
  const document = useCatalogDocument(true);
  const schema = useCatalogSchema(true);
  const diff = useCatalogDiff();
  const apply = useApplyCatalog();
  const [text, setText] = useState<string | null>(null);
  const [problems, setProblems] = useState<DocumentProblem[] | null>(null);
  const [preview, setPreview] = useState<{ text: string; diff: CatalogDiff } | null>(null);
  const [reason, setReason] = useState("");
  const [applied, setApplied] = useState<CatalogDiff | null>(null);

  useEffect(() => {
    if (text === null && document.data !== undefined) setText(document.data);
  }, [text, document.data]);

  if (document.error || schema.error)
    return (
      <Alert color="red" title="Could not load">
        {(document.error ?? schema.error)?.message}
      </Alert>
    );
  const current = text ?? "";
  const edit = (value: string) => {
    setText(value);
    setProblems(null);
    setPreview(null);
    diff.reset();
  };
  const check = () => {
    if (!schema.data) return;
    const found = validateCatalogYaml(current, schema.data);
    setProblems(found);
    setApplied(null);
    if (found.length === 0) diff.mutate(current, { onSuccess: (d) => setPreview({ text: current, diff: d }) });
  };
  const submit = () => {
    if (!preview) return;
    apply.mutate(
      { document: preview.text, reason: reason.trim() },
      {
        onSuccess: (result) => {
          setApplied(result);
          setPreview(null);
          setReason("");
          setText(null);
        },
      },
    );
  };
  return (
    <Stack>
      <Textarea
        label="Catalog document (YAML)"
        description="The whole catalog: entries not in the document are removed when it is applied."
        value={current}
        onChange={(e) => edit(e.currentTarget.value)}
        autosize
        minRows={12}
        maxRows={30}
        spellCheck={false}
        classNames={{ input: "code-input" }}
        disabled={text === null}
      />
      <Group>
        <Button onClick={check} loading={diff.isPending} disabled={text === null || !schema.data}>
          Check and preview changes
        </Button>
        {text !== null && text !== document.data && (
          <Button variant="default" onClick={() => edit(document.data ?? "")}>
            Discard edits
          </Button>
        )}
      </Group>
      {problems && problems.length > 0 && (
        <Alert color="red" title="The document does not match the catalog schema" data-testid="schema-errors">
          <List size="sm">
            {problems.map((p) => (
              <List.Item key={`${p.line}-${p.field}-${p.message}`}>
                {p.line !== null ? `Line ${p.line}, ` : ""}
                <code>{p.field}</code>: {p.message}
              </List.Item>
            ))}
          </List>
        </Alert>
      )}
      {diff.error && (
        <Alert color="red" title="The API refused the document">
          {diff.error.message}
        </Alert>
      )}
      {preview && (
        <Stack gap="sm">
          <CatalogDiffView diff={preview.diff} />
          {preview.diff.create.length + preview.diff.update.length + preview.diff.delete.length > 0 && (
            <>
              <Textarea
                label="Reason"
                description="Kept with every version this change set makes."
                required
                value={reason}
                onChange={(e) => setReason(e.currentTarget.value)}
                autosize
                minRows={2}
              />
              <Group>
                <Button color="red.8" onClick={submit} loading={apply.isPending} disabled={reason.trim() === ""}>
                  Apply
                </Button>
              </Group>
            </>
          )}
        </Stack>
      )}
      {apply.error && (
        <Alert color="red" title="Not applied">
          {apply.error.message}
        </Alert>
      )}
      {applied && (
        <Alert color="green" title="Applied" data-testid="catalog-applied">
          <Text size="sm">
            Change set {applied.changeSetId ?? "—"}: {applied.create.length} added, {applied.update.length} changed,{" "}
            {applied.delete.length} removed.
          </Text>
          <Text size="sm">
            A whole-organization reconciliation is queued: findings and the model-access matrix follow the new catalog
            once a worker runs it. Remediation plans (Policies &amp; plans) bring AWS in line.
          </Text>
        </Alert>
      )}
    </Stack>
  );
}
