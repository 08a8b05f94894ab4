// The PostgreSQL store beyond the typed Store suite: tenants under row-level
// security, migrations, URLs, and a server that goes away and comes back.
#include <gtest/gtest.h>

#include <thread>

#include "registry/registry.h"
#include "storage/storage.h"
#include "support/pg.h"

namespace genesis::storage {
namespace {

using registry::Agent;
using registry::NewAgent;
using registry::NewEvent;
using testing::PgCluster;

class PostgresTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (auto why = PgCluster::shared().unavailable()) GTEST_SKIP() << *why;
    url_ = PgCluster::shared().new_database();
    db_ = url_.substr(url_.rfind('/') + 1);
  }

  std::unique_ptr<registry::Store> open() {
    auto s = open_store(url_);
    EXPECT_TRUE(s.ok()) << s.error().to_string();
    return s ? std::move(*s) : nullptr;
  }

  Agent spawn(registry::Store& store, const std::string& tenant, const std::string& label) {
    NewAgent n;
    n.label = label;
    auto r = store.spawn(tenant, std::span<const NewAgent>(&n, 1));
    EXPECT_TRUE(r.ok()) << r.error().to_string();
    return r->front();
  }

  // psql as the schema owner (the URL's user).
  std::string owner_sql(const std::string& sql) { return PgCluster::shared().psql(db_, "genesis_owner", sql); }

  std::string url_, db_;
};

// The acceptance test of tenant isolation: genesisd's role, tenant A set, a
// query with no WHERE clause at all reads no row of tenant B, in any table.
TEST_F(PostgresTest, RowLevelSecurityHidesOtherTenantsFromTheAppRole) {
  auto store = open();
  ASSERT_TRUE(store);
  Agent a = spawn(*store, "tenant-a", "alpha");
  Agent b = spawn(*store, "tenant-b", "beta");
  for (const auto& [tenant, agent] : {std::pair{"tenant-a", a}, std::pair{"tenant-b", b}}) {
    std::vector<NewEvent> events(3);
    ASSERT_TRUE(store->append_events(tenant, agent.id, events).ok());
    ASSERT_TRUE(store->put_policy(tenant, {std::string(tenant) + ".rego", "package x"}).ok());
    ASSERT_TRUE(store->put_policy_data(tenant, "{}").ok());
    // A detection and its whole response, as the detector writes them.
    Detection d;
    d.id = core::new_uuid();
    d.tenant_id = tenant;
    d.agent_id = agent.id;
    d.technique = "T1490";
    d.event = core::Value::object();
    ASSERT_TRUE(store->transact(tenant, [&](Transaction& tx) -> core::Status {
      if (auto st = tx.add_detections({d}); !st) return st;
      std::string counter = core::new_uuid();
      ResponseRecord r;
      r.counter_agent = {counter, tenant, agent.id, "T1490", d.id, "img", "quarantine", core::Value::object(), 1};
      r.containments.push_back({tenant, agent.id, "quarantine", counter, "T1490", 1, 4102444800000});
      r.evidence.push_back({core::new_uuid(), tenant, agent.id, d.id, counter, core::Value::object(), 2});
      r.actions.push_back({tenant, counter, agent.id, d.id, "block-dns", "done", core::Value::object(), 3});
      if (auto st = tx.record_response(r); !st) return st;
      return tx.add_decision({tenant, agent.id, "telemetry", "deny", "test", 4});
    }).ok());
  }
  // genesisd's role is neither superuser, BYPASSRLS nor the tables' owner.
  EXPECT_EQ(owner_sql("SET ROLE genesis_app; SELECT rolsuper, rolbypassrls, "
                      "current_user = (SELECT tableowner FROM pg_tables WHERE tablename = 'agent') "
                      "FROM pg_roles WHERE rolname = current_user;"),
            "f|f|f\n");
  std::string as_a = owner_sql(
      "SET ROLE genesis_app; BEGIN; SET LOCAL app.tenant_id = 'tenant-a';"
      "SELECT 'agent', tenant_id, label FROM agent;"
      "SELECT 'event', tenant_id, count(*) FROM cognition_event GROUP BY tenant_id;"
      "SELECT 'policy', tenant_id, id FROM policy_module;"
      "SELECT 'data', tenant_id FROM policy_data;"
      "SELECT 'detection', tenant_id, counter_agent_id IS NOT NULL FROM detection;"
      "SELECT 'counter_agent', tenant_id FROM counter_agent;"
      "SELECT 'containment', tenant_id FROM containment;"
      "SELECT 'evidence', tenant_id FROM evidence;"
      "SELECT 'action', tenant_id FROM response_action;"
      "SELECT 'decision', tenant_id FROM egress_decision; COMMIT;");
  EXPECT_EQ(as_a,
            "agent|tenant-a|alpha\nevent|tenant-a|3\npolicy|tenant-a|tenant-a.rego\ndata|tenant-a\n"
            "detection|tenant-a|t\ncounter_agent|tenant-a\ncontainment|tenant-a\nevidence|tenant-a\n"
            "action|tenant-a\ndecision|tenant-a\n");
  // Both tenants' rows are there: the superuser, whom row-level security
  // does not hold, counts two tenants.
  EXPECT_EQ(PgCluster::shared().psql(db_, "postgres", "SELECT count(DISTINCT tenant_id) FROM detection;"), "2\n");
  // No tenant set: nothing at all.
  EXPECT_EQ(owner_sql("SET ROLE genesis_app; SELECT count(*) FROM agent;"), "0\n");
  EXPECT_EQ(owner_sql("SET ROLE genesis_app; SELECT count(*) FROM detection;"), "0\n");
  // Tenant A cannot write a row of tenant B either.
  EXPECT_THROW(owner_sql("SET ROLE genesis_app; BEGIN; SET LOCAL app.tenant_id = 'tenant-a';"
                         "UPDATE agent SET tenant_id = 'tenant-b'; COMMIT;"),
               std::runtime_error);
  EXPECT_THROW(owner_sql("SET ROLE genesis_app; BEGIN; SET LOCAL app.tenant_id = 'tenant-a';"
                         "INSERT INTO egress_decision (tenant_id, agent_id, subject, decision, reason, ts) "
                         "VALUES ('tenant-b', gen_random_uuid(), 's', 'deny', 'r', now()); COMMIT;"),
               std::runtime_error);
  // The owner is held to the policies too (FORCE ROW LEVEL SECURITY).
  EXPECT_EQ(owner_sql("SELECT count(*) FROM agent;"), "0\n");
  // And through the Store, tenant A finds none of B's agents.
  EXPECT_EQ(store->get("tenant-a", b.id).error().code, core::code::kNotFound);
  EXPECT_EQ(*store->count_agents("tenant-a"), 1);
  NewAgent child;
  child.label = "intruder";
  child.parent_id = b.id;
  EXPECT_EQ(store->spawn("tenant-a", std::span<const NewAgent>(&child, 1)).error().code, core::code::kNotFound);
  EXPECT_EQ(store->move("tenant-a", a.id, b.id).error().code, core::code::kNotFound);
}

TEST_F(PostgresTest, SchemaIsThePlansOne) {
  auto store = open();
  ASSERT_TRUE(store);
  EXPECT_EQ(owner_sql("SELECT column_name || ':' || udt_name FROM information_schema.columns "
                      "WHERE table_name = 'agent' AND column_name IN ('id', 'spawn_tree', 'mem_state', "
                      "'goals', 'emotion', 'created_at') ORDER BY column_name;"),
            "created_at:timestamptz\nemotion:jsonb\ngoals:jsonb\nid:uuid\nmem_state:jsonb\nspawn_tree:ltree\n");
  EXPECT_EQ(owner_sql("SELECT indexname || ':' || (regexp_match(indexdef, 'USING (\\w+)'))[1] FROM pg_indexes "
                      "WHERE indexname IN ('agent_spawn_tree', 'agent_emotion', 'cognition_agent_ts') "
                      "ORDER BY 1;"),
            "agent_emotion:gin\nagent_spawn_tree:gist\ncognition_agent_ts:btree\n");
  EXPECT_EQ(owner_sql("SELECT relname FROM pg_class WHERE relrowsecurity AND relforcerowsecurity "
                      "ORDER BY relname;"),
            "agent\ncognition_event\ncontainment\ncounter_agent\ndetection\negress_decision\nevidence\n"
            "policy_data\npolicy_module\nresponse_action\nsigma_switch\n");
}

TEST_F(PostgresTest, ASchemaNewerThanTheBinaryIsRefused) {
  ASSERT_TRUE(open());
  owner_sql("INSERT INTO schema_version (version) VALUES (999);");
  auto s = open_store(url_);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("store schema version 999 is newer than this genesisd"), std::string::npos)
      << s.error().message;
}

TEST_F(PostgresTest, AFailedMigrationLeavesTheSchemaAsItWas) {
  // An object in the way of migration 1 makes it fail half-way through.
  owner_sql("CREATE TABLE cognition_event (x int);");
  auto s = open_store(url_);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("migration 1"), std::string::npos) << s.error().message;
  // Nothing of it stayed: no agent table, no schema_version, no ltree.
  EXPECT_EQ(owner_sql("SELECT count(*) FROM pg_tables WHERE tablename IN ('agent', 'schema_version');"
                      "SELECT count(*) FROM pg_extension WHERE extname = 'ltree';"),
            "0\n0\n");
  owner_sql("DROP TABLE cognition_event;");
  EXPECT_TRUE(open());
}

TEST_F(PostgresTest, UrlsAndRolesAreChecked) {
  EXPECT_EQ(open_store("mysql://x").error().code, core::code::kInvalidArgument);
  EXPECT_EQ(open_store(url_ + "?pool=0").error().code, core::code::kInvalidArgument);
  ASSERT_TRUE(open());
  // As the app role, the tables' owner (which could turn FORCE off) and a
  // superuser (whom row-level security never holds) are refused.
  auto s = open_store(url_ + "?app_role=genesis_owner");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("row-level security would not apply"), std::string::npos) << s.error().message;
  std::string as_superuser = url_;
  as_superuser.replace(as_superuser.find("genesis_owner@"), 14, "postgres@");
  s = open_store(as_superuser + "?app_role=postgres");
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.error().message.find("row-level security would not apply"), std::string::npos) << s.error().message;
  s = open_store(url_ + "?app_role=no_such_role");
  ASSERT_FALSE(s.ok());
  // Nobody listening: a clear error, quickly.
  s = open_store("postgresql://genesis_owner@127.0.0.1:1/x");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.error().code, core::code::kUnavailable);
  EXPECT_NE(s.error().message.find("cannot connect to PostgreSQL"), std::string::npos) << s.error().message;
  EXPECT_TRUE(open_store(url_ + "?pool=2&app_role=genesis_app").ok());
}

// The server restarts under an open store: calls while it is down answer
// unavailable, and the store reconnects by itself afterwards.
TEST_F(PostgresTest, ReconnectsAfterTheServerRestarts) {
  auto cluster = PgCluster::start_private();
  ASSERT_FALSE(cluster->unavailable()) << *cluster->unavailable();
  auto opened = open_store(cluster->new_database());
  ASSERT_TRUE(opened.ok()) << opened.error().to_string();
  auto& store = *opened;
  Agent a = spawn(*store, "t", "before");
  cluster->stop_server();
  auto down = store->get("t", a.id);
  NewAgent n;
  n.label = "during";
  auto down_write = store->spawn("t", std::span<const NewAgent>(&n, 1));
  cluster->start_server();
  ASSERT_FALSE(down.ok());
  EXPECT_EQ(down.error().code, core::code::kUnavailable);
  ASSERT_FALSE(down_write.ok());
  EXPECT_EQ(down_write.error().code, core::code::kUnavailable);
  auto after = store->get("t", a.id);
  ASSERT_TRUE(after.ok()) << after.error().to_string();
  EXPECT_EQ(after->label, "before");
  Agent b = spawn(*store, "t", "after");
  EXPECT_EQ(*store->count_agents("t"), 2);
}

}  // namespace
}  // namespace genesis::storage
