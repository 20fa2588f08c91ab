import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * The search attributes of an order workflow, so ops can filter in the Temporal Web UI, e.g.
 * `OrderStatus="ACCEPTED" AND Symbol="BTC-USD"`. The local stack registers exactly these.
 */
export const OrderStatusKey = defineSearchAttributeKey('OrderStatus', SearchAttributeType.KEYWORD);
export const SymbolKey = defineSearchAttributeKey('Symbol', SearchAttributeType.KEYWORD);
export const AccountIdKey = defineSearchAttributeKey('AccountId', SearchAttributeType.KEYWORD);
export const SideKey = defineSearchAttributeKey('Side', SearchAttributeType.KEYWORD);
export const OrderTypeKey = defineSearchAttributeKey('OrderType', SearchAttributeType.KEYWORD);

export const ORDER_SEARCH_ATTRIBUTE_KEYS = [OrderStatusKey, SymbolKey, AccountIdKey, SideKey, OrderTypeKey] as const;
