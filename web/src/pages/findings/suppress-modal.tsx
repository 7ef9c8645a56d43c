// Suppress one finding with a reason until a date; the API's refusal shows as its message.
import { Alert, Button, Group, Modal, Stack, Textarea, TextInput } from "@mantine/core";
import { useEffect, useState } from "react";
import { type Finding, useSuppress } from "./findings-queries";

const inDays = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);

export function SuppressModal({ finding, onClose }: { finding: Finding | undefined; onClose: () => void }) {
  const [reason, setReason] = useState("");
  const [until, setUntil] = useState(inDays(30));
  const suppress = useSuppress();
  const { reset } = suppress;
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new finding starts a fresh form
  useEffect(() => {
    setReason("");
    setUntil(inDays(30));
    reset();
  }, [finding?.id, reset]);
  return (
    <Modal
      opened={finding !== undefined}
      onClose={onClose}
      title={`Suppress ${finding?.type ?? ""}`}
      closeButtonProps={{ "aria-label": "Close" }}
      // Mantine's scroll lock injects a style element without the page's CSP nonce.
      lockScroll={false}
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!finding) return;
          suppress.mutate(
            { id: finding.id, reason: reason.trim(), until: new Date(`${until}T23:59:59Z`).toISOString() },
            { onSuccess: onClose },
          );
        }}
      >
        <Stack>
          <Textarea
            label="Reason"
            description="Recorded in the audit log with your name"
            value={reason}
            onChange={(e) => setReason(e.currentTarget.value)}
            required
            minLength={1}
            maxLength={2048}
            autosize
            minRows={2}
          />
          <TextInput
            label="Suppressed until"
            type="date"
            value={until}
            min={inDays(1)}
            onChange={(e) => setUntil(e.currentTarget.value)}
            required
          />
          {suppress.error && (
            <Alert color="red" title="Not suppressed">
              {suppress.error.message}
            </Alert>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit" loading={suppress.isPending} disabled={reason.trim() === ""}>
              Suppress
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
