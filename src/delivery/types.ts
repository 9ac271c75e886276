/**
 * The delivery contract as the agents name it: the queue's
 * (`queue/delivery_contract.ts`), so that the queue imports nothing of
 * delivery and the two never form a loop.
 */
export * from "../queue/delivery_contract.ts";
