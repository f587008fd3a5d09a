// SO_PEERCRED for the control socket (see peercred.cc).
#pragma once
#include <napi.h>

void InitPeerCredentials(Napi::Env env, Napi::Object exports);
