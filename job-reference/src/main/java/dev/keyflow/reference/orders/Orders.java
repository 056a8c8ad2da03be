package dev.keyflow.reference.orders;

import dev.keyflow.state.EventLog;
import dev.keyflow.state.Fold;
import dev.keyflow.state.Retention;
import java.util.Map;
import org.apache.flink.api.common.typeinfo.TypeInformation;

/** The fixed facts of the reference domain: namespaces, the key and time paths, the event log. */
public final class Orders {

    /** Namespace of order events. */
    public static final String ORDERS_NS = "urn:keyflow:orders:v1";

    /** Namespace of the shared types (customer ids, money). */
    public static final String COMMON_NS = "urn:keyflow:common:v1";

    /** The prefixes the rule bundle's paths use. */
    public static final Map<String, String> NAMESPACES = Map.of("o", ORDERS_NS, "c", COMMON_NS);

    /** Where the order id (the key) is. */
    public static final String KEY_PATH = "/o:OrderEvent/o:Header/o:OrderId";

    /** Where the event time is. */
    public static final String EVENT_TIME_PATH = "/o:OrderEvent/o:Header/o:OccurredAt";

    /** The name of the event log in keyed state; part of savepoints, keep it stable. */
    public static final String LOG_NAME = "order";

    private Orders() {}

    /** The event log of orders: a snapshot every {@code snapshotEvery} mutations. */
    public static EventLog<OrderState, OrderMutation> eventLog(
            int snapshotEvery, Retention retention) {
        return EventLog.<OrderState, OrderMutation>builder()
                .name(LOG_NAME)
                .mutationType(TypeInformation.of(OrderMutation.class))
                .stateType(TypeInformation.of(OrderState.class))
                .fold(Fold.of(OrderState::initial, OrderLogic::evolve))
                .snapshotEvery(snapshotEvery)
                .retention(retention)
                .build();
    }
}
