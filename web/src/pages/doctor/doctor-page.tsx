// Doctor: why a principal can or cannot call a model in an account-Region, gate by gate, or what
// a pasted error means. The form starts from the query string (/doctor?accountId=…&region=…&model=…),
// so other pages link here with the question filled in.
import { Alert, Button, Group, Stack, Text, Textarea, TextInput, Title } from "@mantine/core";
import { type FormEvent, useState } from "react";
import { useSearchParams } from "react-router";
import { useClassify, useDiagnose } from "./doctor-queries";
import { DiagnosisView, DoctorReportView } from "./doctor-report";

export function DoctorPage() {
  const [params, setParams] = useSearchParams();
  const [accountId, setAccountId] = useState(params.get("accountId") ?? "");
  const [region, setRegion] = useState(params.get("region") ?? "");
  const [model, setModel] = useState(params.get("model") ?? "");
  const [principalArn, setPrincipalArn] = useState(params.get("principalArn") ?? "");
  const [errorText, setErrorText] = useState("");
  const diagnose = useDiagnose();
  const classify = useClassify();
  const complete = /^\d{12}$/.test(accountId.trim()) && region.trim() !== "" && model.trim() !== "";

  const run = (e: FormEvent) => {
    e.preventDefault();
    classify.reset();
    diagnose.reset();
    if (!complete) {
      if (errorText.trim() !== "") classify.mutate(errorText.trim());
      return;
    }
    setParams(
      {
        accountId: accountId.trim(),
        region: region.trim(),
        model: model.trim(),
        ...(principalArn.trim() ? { principalArn: principalArn.trim() } : {}),
      },
      { replace: true },
    );
    diagnose.mutate({
      accountId: accountId.trim(),
      region: region.trim(),
      model: model.trim(),
      probe: false,
      ...(principalArn.trim() ? { principalArn: principalArn.trim() } : {}),
      ...(errorText.trim() ? { errorText: errorText.trim() } : {}),
    });
  };
  const error = diagnose.error ?? classify.error;
  return (
    <Stack>
      <div>
        <Title order={1} size="h2">
          Doctor
        </Title>
        <Text c="dimmed" size="sm">
          Why a call to a model works or not, gate by gate, on live facts; or what a pasted error means.
        </Text>
      </div>
      <form onSubmit={run} aria-label="Diagnose">
        <Stack gap="sm" maw={720}>
          <Group grow align="flex-start">
            <TextInput
              label="Account"
              placeholder="123456789012"
              value={accountId}
              onChange={(e) => setAccountId(e.currentTarget.value)}
            />
            <TextInput
              label="Region"
              placeholder="us-east-1"
              value={region}
              onChange={(e) => setRegion(e.currentTarget.value)}
            />
          </Group>
          <TextInput
            label="Model or inference profile"
            placeholder="anthropic.claude-sonnet-4-5-20250929-v1:0"
            value={model}
            onChange={(e) => setModel(e.currentTarget.value)}
          />
          <TextInput
            label="Principal ARN (optional)"
            description="An IAM role or user, or an assumed-role session, in the account: adds the IAM gate"
            value={principalArn}
            onChange={(e) => setPrincipalArn(e.currentTarget.value)}
          />
          <Textarea
            label="Error message (optional)"
            description="Pasted alone, it is classified without calling AWS; with the fields above, compared with the live result"
            value={errorText}
            onChange={(e) => setErrorText(e.currentTarget.value)}
            autosize
            minRows={2}
          />
          <Group>
            <Button
              type="submit"
              loading={diagnose.isPending || classify.isPending}
              disabled={!complete && errorText.trim() === ""}
            >
              {complete ? "Diagnose" : "Classify the error"}
            </Button>
          </Group>
        </Stack>
      </form>
      {error && (
        <Alert color="red" title="The doctor could not answer">
          {error.message}
        </Alert>
      )}
      {diagnose.data && <DoctorReportView report={diagnose.data} />}
      {classify.data && <DiagnosisView diagnosis={classify.data} title="What the error says" />}
    </Stack>
  );
}
