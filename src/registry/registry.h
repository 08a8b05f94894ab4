// The Introspectable Agent Registry's vocabulary: agents, their spawn tree,
// working memory, goals, emotion and cognition events. The records and the
// Store that keeps them are the storage layer's (storage/storage.h, where the
// tree, tenant and transaction rules are written down); the registry names them
// here for its users, and service.h holds the Registry, the one writer of agent
// state.
#pragma once

#include "core/id.h"
#include "core/time.h"
#include "storage/storage.h"

namespace genesis::registry {

using storage::kDefaultTenant;
using storage::kMaxLabelLength;
using storage::kMaxMemStateBytes;

using storage::Agent;
using storage::AgentPatch;
using storage::AgentQuery;
using storage::CognitionEvent;
using storage::CognitionType;
using storage::Emotion;
using storage::EmotionUpdate;
using storage::EmotionUpdateResult;
using storage::EventQuery;
using storage::Goal;
using storage::GoalTransfer;
using storage::MoveResult;
using storage::NewAgent;
using storage::NewEvent;
using storage::OnCommit;
using storage::Page;
using storage::PolicyModule;
using storage::Store;
using storage::Transaction;
using storage::TransactionBody;
using storage::TransferPlan;

using storage::open_sqlite_store;
using storage::open_store;

using storage::agent_to_json;
using storage::cognition_type_name;
using storage::emotion_from_json;
using storage::emotion_to_json;
using storage::event_to_json;
using storage::goals_from_json;
using storage::goals_to_json;
using storage::parse_cognition_type;
using storage::validate_label;
using storage::validate_mem_state;

}  // namespace genesis::registry
