import { Gauge, type Registry } from 'prom-client';
import { pulledCounter } from './pulled-counter.js';
import type { MetricSources } from './sources.js';

/** Node-to-node transport per peer (cardinality = cluster size) and consumer groups by state. */
export function registerClusterMetrics(registry: Registry, s: MetricSources): void {
  const peers = (): [string, ReturnType<MetricSources['transport']['stats']>['peers'][string]][] => Object.entries(s.transport.stats().peers);
  pulledCounter(registry, { name: 'chronik_transport_sent_bytes_total', help: 'Bytes sent to each peer node.', labelNames: ['peer'] }, () =>
    peers().map(([peer, st]) => ({ labels: { peer }, value: st.bytesOut })),
  );
  pulledCounter(registry, { name: 'chronik_transport_received_bytes_total', help: 'Bytes received from each peer node.', labelNames: ['peer'] }, () =>
    peers().map(([peer, st]) => ({ labels: { peer }, value: st.bytesIn })),
  );
  pulledCounter(registry, { name: 'chronik_transport_dropped_frames_total', help: 'Frames to each peer dropped (queue full or injected fault).', labelNames: ['peer'] }, () =>
    peers().map(([peer, st]) => ({ labels: { peer }, value: st.queueDrops + st.faultDrops })),
  );
  new Gauge({
    name: 'chronik_transport_peer_up',
    help: '1 if the outbound connection to the peer has completed its handshake.',
    labelNames: ['peer'],
    registers: [registry],
    collect(this: Gauge<'peer'>) {
      for (const [peer, st] of peers()) this.set({ peer }, st.connected ? 1 : 0);
    },
  });
  new Gauge({
    name: 'chronik_consumer_groups',
    help: 'Consumer groups coordinated by this node, by state.',
    labelNames: ['state'],
    registers: [registry],
    collect(this: Gauge<'state'>) {
      for (const [state, n] of Object.entries(s.groupStats().byState)) this.set({ state }, n);
    },
  });
  new Gauge({
    name: 'chronik_consumer_group_members',
    help: 'Members of the consumer groups coordinated by this node.',
    registers: [registry],
    collect(this: Gauge) {
      this.set(s.groupStats().members);
    },
  });
  new Gauge({
    name: 'chronik_brokers_registered',
    help: 'Brokers registered in the metadata image.',
    registers: [registry],
    collect(this: Gauge) {
      this.set(s.image().brokers.size);
    },
  });
}
