// New request: accounts, Regions and a model or inference profile picked from the inventory, the
// purpose, data classification and duration; a live pre-flight from the reachability engine for
// every account × Region before submitting. The API's field errors show on their fields; a model
// only a profile reaches comes back as a suggestion to pick that profile.
import {
  Alert,
  Button,
  Card,
  Group,
  Loader,
  MultiSelect,
  NumberInput,
  Select,
  SimpleGrid,
  Stack,
  Text,
  Textarea,
  Title,
} from "@mantine/core";
import { useMemo, useRef, useState } from "react";
import { Link, useNavigate } from "react-router";
import { fieldErrors, problemCode } from "../../components/problem-fields";
import { ReachabilitySummary } from "../../components/reachability-summary";
import {
  DATA_CLASSIFICATIONS,
  type DataClassification,
  type NewAccessRequest,
  useAccountDetails,
  useAccounts,
  useFileRequest,
  useModelMatrix,
  useReachability,
} from "./requests-queries";

/** More pairs than this are judged at submission (and by the approver's pre-flight), not live. */
const LIVE_PAIRS = 8;

function useModelOptions(accountId: string | undefined, region: string | undefined) {
  const matrix = useModelMatrix(accountId, region);
  const groups = useMemo(() => {
    const items = matrix.data?.items ?? [];
    const models = items.map((m) => ({
      value: m.modelId,
      label: m.modelName && m.modelName !== m.modelId ? `${m.modelId} (${m.modelName})` : m.modelId,
    }));
    const profiles = [...new Set(items.flatMap((m) => m.profiles))].sort().map((p) => ({ value: p, label: p }));
    return [
      { group: "Models", items: models },
      ...(profiles.length ? [{ group: "Inference profiles", items: profiles }] : []),
    ];
  }, [matrix.data]);
  return { groups, loading: matrix.isFetching };
}

export function NewRequestPage() {
  const navigate = useNavigate();
  const accounts = useAccounts();
  const [accountIds, setAccountIds] = useState<string[]>([]);
  const [regions, setRegions] = useState<string[]>([]);
  const [model, setModel] = useState<string | null>(null);
  const [purpose, setPurpose] = useState("");
  const [classification, setClassification] = useState<DataClassification>("internal");
  const [duration, setDuration] = useState<number | string>(24);
  const file = useFileRequest();
  // One key per body: a retry of the same submission replays, a changed form is a new request.
  const idempotency = useRef<{ body: string; key: string } | undefined>(undefined);

  const details = useAccountDetails(accountIds);
  const regionOptions = useMemo(() => {
    const set = new Set<string>();
    for (const d of details) for (const r of d.data?.regions ?? []) if (r.inScope) set.add(r.region);
    return [...set].sort();
  }, [details]);
  const models = useModelOptions(accountIds[0], regions[0]);
  const pairs = useMemo(
    () => accountIds.flatMap((accountId) => regions.map((region) => ({ accountId, region }))),
    [accountIds, regions],
  );
  const live = useReachability(pairs.slice(0, LIVE_PAIRS), model ?? "");

  const errors = fieldErrors(file.error);
  const code = problemCode(file.error);
  const suggested =
    code === "INFERENCE_PROFILE_REQUIRED"
      ? ((file.error as { problem?: { profiles?: string[] } }).problem?.profiles ?? [])
      : [];

  const submit = (event: React.FormEvent) => {
    event.preventDefault();
    if (!model) return;
    const body: NewAccessRequest = {
      accountIds,
      regions,
      model,
      purpose,
      dataClassification: classification,
      durationHours: Number(duration),
    };
    const text = JSON.stringify(body);
    if (idempotency.current?.body !== text) idempotency.current = { body: text, key: crypto.randomUUID() };
    file.mutate(
      { body, idempotencyKey: idempotency.current.key },
      {
        onSuccess: (out) => {
          if ("id" in out) navigate(`/requests/${out.id}`);
        },
      },
    );
  };

  const already = file.data && "alreadyAllowed" in file.data ? file.data : undefined;
  const ready = accountIds.length > 0 && regions.length > 0 && model !== null;

  return (
    <Stack maw={880}>
      <Title order={1} size="h2">
        New request
      </Title>
      <Text c="dimmed" size="sm">
        Ask for a model in some accounts and Regions. The pre-flight below says, before you file, whether it will work
        and what an approval changes.
      </Text>
      <form onSubmit={submit} noValidate aria-label="New access request">
        <Stack>
          <MultiSelect
            label="Accounts"
            placeholder={accountIds.length ? undefined : "Pick one or more accounts"}
            required
            searchable
            data={(accounts.data ?? []).map((a) => ({ value: a.id, label: `${a.name} (${a.id})` }))}
            value={accountIds}
            onChange={(v) => {
              setAccountIds(v);
              file.reset();
            }}
            error={errors.accountIds ?? (accounts.error ? accounts.error.message : undefined)}
            rightSection={accounts.isPending ? <Loader size="xs" aria-label="Loading accounts" /> : undefined}
          />
          <MultiSelect
            label="Regions"
            placeholder={
              regions.length ? undefined : accountIds.length ? "Pick one or more Regions" : "Pick accounts first"
            }
            required
            searchable
            disabled={accountIds.length === 0}
            data={regionOptions}
            value={regions}
            onChange={(v) => {
              setRegions(v);
              file.reset();
            }}
            error={errors.regions}
          />
          <Select
            label="Model or inference profile"
            description="From the inventory of the first account and Region you picked"
            placeholder={regions.length ? "Search models and profiles" : "Pick accounts and Regions first"}
            required
            searchable
            disabled={regions.length === 0}
            data={models.groups}
            value={model}
            onChange={(v) => {
              setModel(v);
              file.reset();
            }}
            error={errors.model}
            nothingFoundMessage="No such model in this account-Region"
            rightSection={models.loading ? <Loader size="xs" aria-label="Loading models" /> : undefined}
          />
          {suggested.length > 0 && (
            <Alert color="blue" title="Ask for an inference profile" data-testid="profile-suggestion">
              <Stack gap="xs">
                <Text size="sm">{file.error?.message}</Text>
                <Group gap="xs">
                  {suggested.map((p) => (
                    <Button
                      key={p}
                      size="xs"
                      variant="light"
                      onClick={() => {
                        setModel(p);
                        file.reset();
                      }}
                    >
                      Use {p}
                    </Button>
                  ))}
                </Group>
              </Stack>
            </Alert>
          )}
          <Card withBorder component="section" aria-label="Pre-flight">
            <Title order={2} size="h4" mb="xs">
              Pre-flight
            </Title>
            {!ready ? (
              <Text c="dimmed" size="sm">
                Pick accounts, Regions and a model to see whether the call would work.
              </Text>
            ) : (
              <Stack gap="xs" aria-live="polite">
                {live.map((q, i) => {
                  const pair = pairs[i];
                  if (!pair) return null;
                  const key = `${pair.accountId}|${pair.region}`;
                  if (q.error)
                    return (
                      <Text key={key} size="sm" c="red.8">
                        {pair.accountId} · {pair.region}: {q.error.message}
                      </Text>
                    );
                  if (!q.data)
                    return (
                      <Group key={key} gap="xs">
                        <Loader size="xs" aria-label={`Checking ${pair.accountId} ${pair.region}`} />
                        <Text size="sm">
                          {pair.accountId} · {pair.region}: checking…
                        </Text>
                      </Group>
                    );
                  const policies = details.find((d) => d.data?.id === pair.accountId)?.data?.effectivePolicies ?? [];
                  return <ReachabilitySummary key={key} explanation={q.data} policies={policies} />;
                })}
                {pairs.length > LIVE_PAIRS && (
                  <Text size="sm" c="dimmed">
                    {pairs.length - LIVE_PAIRS} more account-Regions are checked when you file.
                  </Text>
                )}
              </Stack>
            )}
          </Card>
          <Textarea
            label="Purpose"
            description="What the model is for (at least 10 characters); approvers read this"
            required
            autosize
            minRows={3}
            value={purpose}
            onChange={(e) => setPurpose(e.currentTarget.value)}
            error={errors.purpose}
          />
          <SimpleGrid cols={{ base: 1, xs: 2 }}>
            <Select
              label="Data classification"
              required
              allowDeselect={false}
              data={DATA_CLASSIFICATIONS.map((c) => ({ value: c, label: c }))}
              value={classification}
              onChange={(v) => v && setClassification(v as DataClassification)}
              error={errors.dataClassification}
            />
            <NumberInput
              label="Duration (hours)"
              description="How long access lasts once active"
              required
              min={1}
              value={duration}
              onChange={setDuration}
              error={errors.durationHours}
            />
          </SimpleGrid>
          {file.error && suggested.length === 0 && (
            <Alert color="red" title="Not filed" role="alert">
              {file.error.message}
              {code === "DUPLICATE_REQUEST" && (
                <>
                  {" "}
                  <Link
                    to={`/requests/${String((file.error as { problem?: { existingRequestId?: string } }).problem?.existingRequestId ?? "")}`}
                  >
                    Open the pending request
                  </Link>
                </>
              )}
            </Alert>
          )}
          {already && (
            <Alert color="green" title="Already allowed" role="status">
              {already.message}
            </Alert>
          )}
          <Group>
            <Button type="submit" loading={file.isPending} disabled={!ready}>
              File request
            </Button>
          </Group>
        </Stack>
      </form>
    </Stack>
  );
}
