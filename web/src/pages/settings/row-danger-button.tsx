// A row's destructive action (revoke, delete): the outline red button that opens its confirmation.
import { Button } from "@mantine/core";

export function RowDangerButton({ verb, name, onClick }: { verb: string; name: string; onClick: () => void }) {
  return (
    <Button size="xs" variant="outline" color="red.9" aria-label={`${verb} ${name}`} onClick={onClick}>
      {verb}
    </Button>
  );
}
