// Approve / reject with a comment, sent with the version read (If-Match). A stale decision (412:
// the request changed since it was read; 409: it was decided meanwhile) says so plainly and the
// request is read again, instead of an error page.
import { Alert, Button, Group, Stack, Textarea } from "@mantine/core";
import { useState } from "react";
import { type AccessRequest, useRequestAction } from "../pages/requests/requests-queries";
import { isStale } from "./problem-fields";

export const STALE_MESSAGE =
  "Someone else changed or decided this request since you read it. It has been reloaded: read it again before deciding.";

/**
 * `onStale` lets the page keep the message when the reloaded request leaves the place this form
 * was in (a decided request leaves the queue).
 */
export function RequestDecision({ request, onStale }: { request: AccessRequest; onStale?: (message: string) => void }) {
  const action = useRequestAction();
  const [comment, setComment] = useState("");
  const [missing, setMissing] = useState(false);
  const decide = (verb: "approve" | "reject") => {
    if (verb === "reject" && comment.trim() === "") {
      setMissing(true);
      return;
    }
    setMissing(false);
    action.mutate(
      { verb, request, ...(comment.trim() ? { comment: comment.trim() } : {}) },
      { onError: (error) => isStale(error) && onStale?.(`${STALE_MESSAGE} (${error.message})`) },
    );
  };
  const stale = isStale(action.error);
  return (
    <Stack gap="xs">
      <Textarea
        label="Comment"
        description="Optional to approve, required to reject; the requester reads it"
        autosize
        minRows={2}
        value={comment}
        onChange={(e) => setComment(e.currentTarget.value)}
        error={missing ? "Say why you reject it" : undefined}
      />
      {action.error && (
        <Alert color={stale ? "yellow" : "red"} title={stale ? "Someone got there first" : "Not decided"} role="alert">
          {stale
            ? `This request changed since you read it (${action.error.message}). It has been reloaded: read it again and decide.`
            : action.error.message}
        </Alert>
      )}
      <Group gap="xs">
        <Button
          color="green.8"
          loading={action.isPending && action.variables?.verb === "approve"}
          onClick={() => decide("approve")}
        >
          Approve
        </Button>
        <Button
          color="red.8"
          loading={action.isPending && action.variables?.verb === "reject"}
          onClick={() => decide("reject")}
        >
          Reject
        </Button>
      </Group>
    </Stack>
  );
}
