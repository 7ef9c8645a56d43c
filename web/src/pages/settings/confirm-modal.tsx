// Asks before a destructive action (revoke, delete) and shows the API's refusal if there is one.
import { Alert, Button, Group, Modal, Stack, Text } from "@mantine/core";
import { MODAL } from "../../components/modal-props";

export function ConfirmModal({
  title,
  message,
  action,
  opened,
  pending,
  error,
  onConfirm,
  onClose,
}: {
  title: string;
  message: string;
  action: string;
  opened: boolean;
  pending: boolean;
  error: Error | null;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Modal {...MODAL} opened={opened} onClose={onClose} title={title}>
      <Stack gap="sm">
        <Text size="sm">{message}</Text>
        {error && (
          <Alert color="red" title="Not done">
            {error.message}
          </Alert>
        )}
        <Group justify="flex-end">
          <Button variant="default" onClick={onClose}>
            Cancel
          </Button>
          <Button color="red.9" loading={pending} onClick={onConfirm}>
            {action}
          </Button>
        </Group>
      </Stack>
    </Modal>
  );
}
