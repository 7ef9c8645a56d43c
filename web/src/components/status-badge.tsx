import { Badge } from "@mantine/core";

const COLORS: Record<string, string> = {
  // requests
  pending: "yellow",
  approved: "blue",
  provisioning: "blue",
  active: "green",
  rejected: "red",
  failed: "red",
  revoked: "gray",
  cancelled: "gray",
  expired: "gray",
  ended: "gray",
  // runs and plans
  queued: "gray",
  running: "blue",
  succeeded: "green",
  partial: "orange",
  ready: "green",
  planned: "yellow",
  applying: "blue",
  applied: "green",
  rolled_back: "gray",
  // finding severities
  critical: "red",
  high: "orange",
  medium: "yellow",
  low: "gray",
};

export function StatusBadge({ value }: { value: string }) {
  return (
    // Never narrower than its text: a table cell must not cut a status to "PE…".
    <Badge color={`${COLORS[value] ?? "gray"}.8`} variant="filled" miw="max-content">
      {value.replace("_", " ")}
    </Badge>
  );
}
